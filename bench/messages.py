"""The fixed message mixes of the benchmarks (no imports: Locust's venv loads this file too)."""

# Questions patients ask, each answered by a custom action (the first one of every conversation
# also gets the disclaimer). The follow-up ("Et combien de temps ça dure ?") uses the context.
ACTION_MIX = [
    "Combien de temps dure une infiltration ?",
    "À quoi sert une biopsie ?",
    "Est-ce qu'on m'endort pour la néphrostomie ?",
    "Je reste combien de nuits après une biopsie du poumon ?",
    "Comment se passe un drainage ?",
    "Quels examens faites-vous ?",
    "C'est quoi la radiologie interventionnelle ?",
    "Est-ce que ça fait mal ?",
    "c'est quoi une thermoablation ?",
    "Et combien de temps ça dure ?",
]
# Messages answered by a response of domain.yml: text -> response. Small talk goes through
# action_answer (which reads it first: "merci, et ça dure combien ?"); the emergency instruction
# is a rule alone, without the action server.
RESPONSE_MIX = {
    "merci": "utter_thank",
    "au revoir": "utter_goodbye",
    "es-tu un robot ?": "utter_bot_challenge",
    "j'ai une forte douleur à la poitrine": "utter_emergency",
    "d'accord": "utter_anything_else",
    "ok merci": "utter_thank",
    "tu es une vraie personne ?": "utter_bot_challenge",
    "je saigne beaucoup": "utter_emergency",
}
# The stock `rasa init` bot's own small talk (each one gets a reply from its rules and stories).
STOCK_MIX = ["hello", "I am sad", "great", "are you a bot?", "goodbye", "good morning", "very good", "bye"]
