/*
 * The page's chat: a small client of Rasa's socket.io channel (channels/socketio.py), drawn into
 * the markup of index.html (#chat-log, #chat-replies, #chat-form).
 *
 * Protocol: on every (re)connect `session_request {session_id}` (the stored id, or null for a new
 * conversation); the server answers `session_confirm` with the id to use. That id, never one made
 * up here, is stored and sent with every `user_uttered {message, session_id, customData}`. When the
 * server confirms another id than the stored one (a new conversation, or it refused ours) the kept
 * history is dropped and the conversation starts with the init payload. Bot messages arrive as
 * `bot_uttered` {text, quick_replies | buttons}.
 *
 * Bot text is a Markdown subset ([label](url) links, "- " lists, blank-line paragraphs, **bold**),
 * turned into DOM nodes here: no user or bot text is ever parsed as HTML.
 */
(function () {
  'use strict';

  var STORE_KEY = 'icp-help.chat';
  var KEEP_MESSAGES = 200;
  var TYPING_TIMEOUT_MS = 20000;
  var SAFE_URL = /^(https?:|mailto:|tel:)/i;
  var CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/g;
  var LATIN_WORD = /[A-Za-z]+/g;
  // [label](url, one level of parentheses) | **bold** | a bare http(s) URL (trailing punctuation,
  // ASCII or CJK, left out)
  var INLINE = /\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)|\*\*([^*\n]+)\*\*|(https?:\/\/[^\s<>()（）「」，。、；！？]*[^\s<>()（）「」，。、；！？.,;:!?'"])/g;
  var LIST_ITEM = /^\s*[-*•]\s+/;
  var NUMBERED = /^\s*(\d{1,3})[.)]\s+/;

  function lineKind(line) {
    if (LIST_ITEM.test(line)) return 'ul';
    if (NUMBERED.test(line)) return 'ol';
    return 'p';
  }

  function messageLanguage(text) {
    var plain = String(text).replace(/\]\([^)]*\)/g, ']').replace(/https?:\/\/\S+/g, '');
    var cjk = (plain.match(CJK) || []).length;
    var words = (plain.match(LATIN_WORD) || []).length;
    return cjk > 0 && cjk >= words ? 'zh-CN' : 'en';
  }

  function appendInline(parent, text) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    while ((match = INLINE.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        appendLink(parent, match[1], match[2]);
      } else if (match[3] !== undefined) {
        var strong = document.createElement('strong');
        strong.textContent = match[3];
        parent.appendChild(strong);
      } else {
        appendLink(parent, match[4], match[4]);
      }
      last = INLINE.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendLink(parent, label, url) {
    var href = url.replace(/[\u0000-\u0020]/g, '');
    if (!SAFE_URL.test(href)) {
      // javascript:, data:, relative… : shown as its label, never as a link
      parent.appendChild(document.createTextNode(label));
      return;
    }
    var a = document.createElement('a');
    a.href = href;
    a.textContent = label;
    if (/^https?:/i.test(href)) {
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    parent.appendChild(a);
  }

  function appendLines(parent, lines) {
    for (var i = 0; i < lines.length; i += 1) {
      if (i > 0) parent.appendChild(document.createElement('br'));
      appendInline(parent, lines[i]);
    }
  }

  /** Markdown subset -> DOM: paragraphs at blank lines, runs of "- " or "1. " lines as one list. */
  function renderText(container, text) {
    var blocks = String(text).replace(/\r\n?/g, '\n').split(/\n\s*\n/);
    blocks.forEach(function (block) {
      var lines = block.split('\n').filter(function (l) { return l.trim() !== ''; });
      var i = 0;
      while (i < lines.length) {
        var kind = lineKind(lines[i]);
        var run = [];
        while (i < lines.length && lineKind(lines[i]) === kind) {
          run.push(lines[i]);
          i += 1;
        }
        if (kind === 'p') {
          var p = document.createElement('p');
          appendLines(p, run);
          container.appendChild(p);
          continue;
        }
        var list = document.createElement(kind);
        if (kind === 'ol') list.start = parseInt(NUMBERED.exec(run[0])[1], 10);
        run.forEach(function (line) {
          var li = document.createElement('li');
          appendInline(li, line.replace(kind === 'ul' ? LIST_ITEM : NUMBERED, ''));
          list.appendChild(li);
        });
        container.appendChild(list);
      }
    });
  }

  function readStore(storage) {
    try {
      var data = JSON.parse(storage.getItem(STORE_KEY) || 'null');
      if (data && Array.isArray(data.messages)) return data;
    } catch (e) { /* unreadable: start over */ }
    return { sessionId: null, messages: [] };
  }

  function repliesOf(message) {
    var list = message.quick_replies || message.buttons || [];
    if (!Array.isArray(list)) return [];
    return list.filter(function (r) {
      return r && typeof r.title === 'string' && typeof r.payload === 'string';
    }).map(function (r) { return { title: r.title, payload: r.payload }; });
  }

  /**
   * options: {io, url, path, storage, labels(): {bot, user: {text, lang}}, language(): 'en'|'zh',
   *           initPayload(): string, onStatus(state): 'connected'|'disconnected'|'unavailable'}
   */
  function Chat(options) {
    this.options = options;
    this.log = document.getElementById('chat-log');
    this.replies = document.getElementById('chat-replies');
    this.typing = document.getElementById('chat-typing');
    this.form = document.getElementById('chat-form');
    this.input = document.getElementById('chat-input');
    this.storage = options.storage;
    this.state = this.storage ? readStore(this.storage) : { sessionId: null, messages: [] };
    this.confirmed = false;
    this.queue = [];
    this.typingTimer = null;
    this.socket = null;
  }

  Chat.prototype.start = function () {
    var self = this;
    this.state.messages.forEach(function (m) { self.draw(m); });
    this.showReplies(this.lastReplies());
    this.form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = self.input.value.trim();
      if (!text) return;
      self.input.value = '';
      self.send(text, text);
    });
    this.connect();
  };

  Chat.prototype.connect = function () {
    var self = this;
    // WebSocket first (no polling round trips, fewer bytes); polling if WebSocket fails.
    var socket = this.options.io(this.options.url, {
      path: this.options.path,
      transports: ['websocket', 'polling'],
      tryAllTransports: true
    });
    this.socket = socket;
    socket.on('connect', function () {
      self.confirmed = false;
      socket.emit('session_request', { session_id: self.state.sessionId });
    });
    socket.on('session_confirm', function (confirmed) {
      var id = confirmed && typeof confirmed === 'object' ? confirmed.session_id : confirmed;
      if (typeof id !== 'string' || !id) return;
      var fresh = id !== self.state.sessionId;
      self.confirmed = true;
      if (fresh) {
        self.state = { sessionId: id, messages: [] };
        self.clear();
        self.save();
        self.emitMessage(self.options.initPayload());
      }
      self.options.onStatus('connected');
      var queued = self.queue;
      self.queue = [];
      queued.forEach(function (text) { self.emitMessage(text); });
    });
    socket.on('bot_uttered', function (message) { self.receive(message); });
    socket.on('disconnect', function () {
      self.confirmed = false;
      self.options.onStatus('disconnected');
    });
    socket.on('connect_error', function () { self.options.onStatus('unavailable'); });
  };

  Chat.prototype.emitMessage = function (text) {
    this.socket.emit('user_uttered', {
      message: text,
      session_id: this.state.sessionId,
      customData: { language: this.options.language() }
    });
  };

  /** Sends `payload` to the bot; shows `shown` as the visitor's message (nothing when empty). */
  Chat.prototype.send = function (payload, shown) {
    if (shown) this.add({ who: 'user', text: shown });
    this.showReplies([]);
    this.setTyping(true);
    if (this.confirmed && this.socket && this.socket.connected) this.emitMessage(payload);
    else this.queue.push(payload);
  };

  Chat.prototype.receive = function (message) {
    if (!message || typeof message !== 'object') return;
    var replies = repliesOf(message);
    var text = typeof message.text === 'string' ? message.text : '';
    if (!text && !replies.length) return; // images, custom payloads: not shown on this page
    this.setTyping(false);
    if (!text) {
      this.showReplies(replies);
      return;
    }
    this.add({ who: 'bot', text: text, replies: replies });
    this.showReplies(replies);
  };

  Chat.prototype.add = function (message) {
    this.state.messages.push(message);
    if (this.state.messages.length > KEEP_MESSAGES) {
      this.state.messages = this.state.messages.slice(-KEEP_MESSAGES);
    }
    this.save();
    this.draw(message);
  };

  Chat.prototype.draw = function (message) {
    var item = document.createElement('div');
    item.className = 'msg msg-' + (message.who === 'user' ? 'user' : 'bot');
    item.setAttribute('lang', messageLanguage(message.text));
    var who = document.createElement('span');
    who.className = 'visually-hidden';
    var label = this.options.labels()[message.who === 'user' ? 'user' : 'bot'];
    who.setAttribute('lang', label.lang);
    who.textContent = label.text;
    item.appendChild(who);
    var body = document.createElement('div');
    body.className = 'msg-text';
    if (message.who === 'user') {
      body.textContent = message.text;
    } else {
      renderText(body, message.text);
    }
    item.appendChild(body);
    this.log.appendChild(item);
    this.log.scrollTop = this.log.scrollHeight;
  };

  Chat.prototype.lastReplies = function () {
    var m = this.state.messages[this.state.messages.length - 1];
    return m && m.who === 'bot' && m.replies ? m.replies : [];
  };

  Chat.prototype.showReplies = function (replies) {
    var self = this;
    var box = this.replies;
    while (box.firstChild) box.removeChild(box.firstChild);
    replies.forEach(function (reply) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'reply';
      button.textContent = reply.title;
      button.setAttribute('lang', messageLanguage(reply.title));
      button.setAttribute('data-payload', reply.payload);
      button.addEventListener('click', function () {
        self.send(reply.payload, reply.title);
        self.input.focus();
      });
      box.appendChild(button);
    });
    box.hidden = replies.length === 0;
  };

  Chat.prototype.setTyping = function (on) {
    var self = this;
    window.clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = window.setTimeout(function () { self.typing.hidden = true; }, TYPING_TIMEOUT_MS);
  };

  Chat.prototype.clear = function () {
    var items = this.log.querySelectorAll('.msg');
    for (var i = 0; i < items.length; i += 1) items[i].parentNode.removeChild(items[i]);
    this.showReplies([]);
  };

  Chat.prototype.save = function () {
    if (!this.storage) return;
    try {
      this.storage.setItem(STORE_KEY, JSON.stringify(this.state));
    } catch (e) { /* storage full or blocked: the conversation still works, without history */ }
  };

  window.IcpChat = {
    create: function (options) { return new Chat(options); },
    renderText: renderText,
    messageLanguage: messageLanguage
  };
}());
