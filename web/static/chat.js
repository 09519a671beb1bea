// Starts the rasa-webchat widget in the page, talking to the Rasa server over socketio.
// window.CHAT_CONFIG: { socketUrl, containerId (default "chat") }; the local page
// gets it from /config.js (web/serve.py), the clinic's site sets it itself (README).
(function () {
  "use strict";

  var chat = document.getElementById(window.CHAT_CONFIG.containerId || "chat");
  chat.classList.add("assistant-chat");

  window.WebChat.default(
    {
      socketUrl: window.CHAT_CONFIG.socketUrl,
      socketPath: "/socket.io/",
      // Sent when a conversation starts: the assistant greets and shows its disclaimer.
      initPayload: "/greet",
      embedded: true,
      title: "Assistant de radiologie interventionnelle",
      subtitle: "Informations générales, pas un avis médical",
      inputTextFieldHint: "Écrivez votre question…",
      connectingText: "Connexion en cours…",
      hideWhenNotConnected: false,
      showFullScreenButton: false,
      // The conversation survives a reload but not the closing of the tab:
      // on a shared computer, the next person does not see it.
      params: { storage: "session" },
      customMessageDelay: function () { return 300; },
    },
    chat
  );

  // The widget's quick replies are clickable <div>s: make them reachable and
  // usable with the keyboard (Tab, then Enter or Space).
  function makeRepliesFocusable(root) {
    root.querySelectorAll(".rw-reply:not([tabindex])").forEach(function (reply) {
      reply.setAttribute("tabindex", "0");
      reply.setAttribute("role", "button");
    });
  }
  new MutationObserver(function () { makeRepliesFocusable(chat); })
    .observe(chat, { childList: true, subtree: true });
  chat.addEventListener("keydown", function (event) {
    var reply = event.target.closest && event.target.closest(".rw-reply");
    if (reply && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      reply.click();
    }
  });
})();
