"""The plain Python behind the Rasa actions, tested without Rasa: what a message asks
(`understanding`) and the wording of every answer (`answers`). Uses the knowledge package only."""
