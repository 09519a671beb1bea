// The web chat: talks to the Rasa server's socketio channel (docs/channels.md)
// with socket.io-client 4 (/vendor/socket.io.min.js), in the page of index.html.
//
// window.CHAT_CONFIG (from /config.js, written by web/serve.py):
//   socketUrl    the Rasa server as the patient's browser reaches it
//   teamPointer  who to ask instead, shown when the assistant is unavailable
//   sourcePrefixes  how the last line of an answer naming its source begins
//
// Everything is written with textContent: neither the patient nor the
// assistant can put HTML or a link into the page.
(function () {
  "use strict";

  var STORAGE_KEY = "assistant-chat";
  // Rasa apologises after ACTION_TIMEOUT_SECONDS (5 s); past this, it is not answering.
  var REPLY_TIMEOUT_MS = 20000;
  // Enough for a long visit; keeps sessionStorage small.
  var MAX_STORED_MESSAGES = 200;
  var UNAVAILABLE =
    "L'assistant est momentanément indisponible. Nous réessayons automatiquement : " +
    "la conversation reprendra dès son retour.";
  var NOT_ANSWERING =
    "L'assistant ne répond pas pour le moment. Nous réessayons automatiquement.";
  var EMERGENCY = "En cas d'urgence, appelez le 15 (SAMU) ou le 112.";
  var BACK = "L'assistant est de nouveau disponible.";
  // Under an answer the server marked `feedback`: the patient's word on it, kept in the
  // conversation for the clinic's report (the same intents as typed phrases).
  var FEEDBACK_QUESTION = "Cette réponse vous aide-t-elle ?";
  var FEEDBACK_CHOICES = [
    { title: "Oui, cela m'aide", payload: "/feedback_helpful" },
    { title: "Non, cela ne répond pas à ma question", payload: "/feedback_not_helpful" },
  ];

  var config = window.CHAT_CONFIG;
  var log = document.getElementById("chat-log");
  var notice = document.getElementById("chat-notice");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");

  // The conversation id and its messages live in sessionStorage: kept across a
  // reload, gone when the tab closes (the next person on a shared computer
  // does not see it). Inside an iframe, the host page cannot read it.
  function loadConversation() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
      if (saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages)) return saved;
    } catch (ignored) { /* unreadable: start a new conversation */ }
    return { sessionId: null, messages: [] };
  }

  var conversation = loadConversation();

  function saveConversation() {
    conversation.messages = conversation.messages.slice(-MAX_STORED_MESSAGES);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
    } catch (ignored) { /* storage full or refused: the chat still works, without reload memory */ }
  }

  // --- Showing messages ---------------------------------------------------

  // message: { from: "patient" | "assistant", text, choices: [{ title, payload }],
  //            feedback: "offered" | "given" (answers only) }
  function render(message) {
    var item = document.createElement("div");
    item.className = "message message-" + message.from;
    // Who speaks, for screen readers (the bubbles' colours say it to others).
    var author = document.createElement("span");
    author.className = "visually-hidden";
    author.textContent = message.from === "patient" ? "Vous : " : "L'assistant : ";
    var text = document.createElement("p");
    text.className = "message-text";
    var parts = withoutSource(message.text || "");
    text.textContent = parts.text;
    item.append(author, text);
    if (parts.source) {
      // Where the answer comes from: smaller type, still read in order by screen readers.
      var source = document.createElement("p");
      source.className = "message-source";
      source.textContent = parts.source;
      item.append(source);
    }
    if (message.choices && message.choices.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choix proposés");
      message.choices.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "choice";
        button.textContent = choice.title;
        // A real <button>: Tab reaches it, Enter and Space press it.
        button.addEventListener("click", function () { send(choice.payload, choice.title); });
        group.append(button);
      });
      item.append(group);
    }
    if (message.feedback === "offered") item.append(feedbackGroup(message));
    log.append(item);
  }

  // An answer's last line, when it names the page's sections, apart from the rest.
  function withoutSource(text) {
    var lines = text.split("\n");
    var last = lines[lines.length - 1];
    var prefixes = config.sourcePrefixes || [];
    var isSource = lines.length > 1 && prefixes.some(function (prefix) { return last.indexOf(prefix) === 0; });
    return isSource ? { text: lines.slice(0, -1).join("\n"), source: last } : { text: text, source: "" };
  }

  // Two small buttons, gone once one is pressed (the choice then shows as the patient's message).
  function feedbackGroup(message) {
    var group = document.createElement("div");
    group.className = "feedback";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", FEEDBACK_QUESTION);
    FEEDBACK_CHOICES.forEach(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "feedback-choice";
      button.textContent = choice.title;
      button.addEventListener("click", function () {
        message.feedback = "given";
        group.remove();
        send(choice.payload, choice.title);
      });
      group.append(button);
    });
    return group;
  }

  function addMessage(message) {
    conversation.messages.push(message);
    saveConversation();
    render(message);
    // Keep the question field in view below the new message; the focus is not moved.
    // Only this page scrolls (scrollIntoView would also scroll the clinic's page around the iframe).
    var below = form.getBoundingClientRect().bottom - window.innerHeight;
    if (below > 0) window.scrollBy(0, below);
  }

  function showNotice(text) {
    // Rewriting the same text would make screen readers repeat it at each retry.
    if (notice.textContent === text) return;
    notice.textContent = text;
    notice.classList.toggle("chat-notice-shown", Boolean(text));
  }

  function showUnavailable(reason) {
    showNotice(reason + " " + (config.teamPointer || "") + " " + EMERGENCY);
  }

  // --- Talking to the assistant --------------------------------------------

  var socket = window.io(config.socketUrl, {
    path: "/socket.io/",
    // Long-polling: works through any proxy, and the only transport the server offers
    // (docs/channels.md, Transport).
    transports: ["polling"],
    reconnectionDelayMax: 5000,
  });
  var replyTimer = null;
  var unavailable = false;
  // The server takes a message only on the connection that holds its conversation, once it has
  // confirmed the session there, and one turn at a time: messages wait in this outbox (page
  // opening, a turn still running, a reconnection after a network drop or a server restart)
  // and go one by one, each once the server has acknowledged the previous one's turn.
  var confirmed = false;
  var outbox = []; // [{ payload, shown }]; shown: the patient's message in the log, null for the greeting
  var inFlight = null; // the number of the message sent and not yet acknowledged
  var sentCount = 0;

  function flush() {
    if (!confirmed || inFlight !== null || !outbox.length) return;
    var next = outbox.shift();
    var number = ++sentCount;
    inFlight = number;
    waitForReply();
    socket.emit("user_uttered", { message: next.payload, session_id: conversation.sessionId }, function () {
      // An acknowledgement from before a reconnection is not this message's.
      if (inFlight !== number) return;
      inFlight = null;
      flush();
    });
  }

  function waitForReply() {
    clearTimeout(replyTimer);
    replyTimer = setTimeout(function () {
      unavailable = true;
      showUnavailable(NOT_ANSWERING);
    }, REPLY_TIMEOUT_MS);
  }

  function emitMessage(payload, shown) {
    outbox.push({ payload: payload, shown: shown });
    waitForReply();
    flush();
  }

  // shown: what the patient sees as their message (a choice's title, not its payload).
  function send(payload, shown) {
    addMessage({ from: "patient", text: shown, choices: [] });
    if (!unavailable) showNotice("");
    emitMessage(payload, shown);
  }

  socket.on("connect", function () {
    confirmed = false;
    inFlight = null;
    socket.emit("session_request", { session_id: conversation.sessionId });
  });

  socket.on("session_confirm", function (sessionId) {
    var sameConversation = sessionId === conversation.sessionId;
    confirmed = true;
    if (unavailable) {
      unavailable = false;
      showNotice(BACK);
    }
    outbox = outbox.filter(function (message) { return message.shown !== null; });
    if (!sameConversation) {
      // A new conversation (first visit, or the server did not know the saved id): the
      // patient's messages still waiting go to it, shown again after its greeting.
      conversation = { sessionId: sessionId, messages: [] };
      log.textContent = "";
      saveConversation();
      outbox.forEach(function (message) {
        addMessage({ from: "patient", text: message.shown, choices: [] });
      });
    }
    if (!sameConversation || !conversation.messages.length) {
      // The assistant answers with its disclaimer and greeting.
      outbox.unshift({ payload: "/greet", shown: null });
    }
    if (outbox.length) waitForReply();
    flush();
  });

  socket.on("bot_uttered", function (data) {
    if (!data || typeof data.text !== "string") return;
    clearTimeout(replyTimer);
    unavailable = false;
    showNotice("");
    var choices = (Array.isArray(data.quick_replies) ? data.quick_replies : []).filter(function (reply) {
      return reply && typeof reply.title === "string" && typeof reply.payload === "string";
    }).map(function (reply) {
      return { title: reply.title, payload: reply.payload };
    });
    var message = { from: "assistant", text: data.text, choices: choices };
    if (data.feedback === true) message.feedback = "offered";
    addMessage(message);
  });

  function lostConnection() {
    unavailable = true;
    showUnavailable(UNAVAILABLE);
  }
  socket.on("connect_error", lostConnection);
  socket.on("disconnect", function (reason) {
    confirmed = false;
    inFlight = null;
    // Closed by this page itself (leaving or reloading): nothing to tell.
    if (reason === "io client disconnect") return;
    lostConnection();
    // The server closed this socket on purpose: socket.io does not retry by itself then.
    if (reason === "io server disconnect") socket.connect();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text, text);
  });

  conversation.messages.forEach(render);
})();
