/*
 * ICP filing help page: language toggle, the phone launcher (the chat full-screen), the topic
 * cards' questions, and the start of the chat (static/chat.js).
 *
 * No host is written here: the page is served by the Rasa server itself (channels/webpage.py), so
 * the socket.io endpoint is this page's own origin (window.location).
 */
(function () {
  'use strict';

  var LANG_KEY = 'icp-help.lang';
  // Below this width the chat is not beside the content: a launcher opens it full-screen.
  var PHONE = '(max-width: 960px)';
  var TEXT = {
    en: {
      title: 'ICP Filing Help Center',
      other: 'ICP 备案帮助中心',
      unavailable: 'The assistant is not available right now. Please try again later.',
      reconnecting: 'Connection lost. Reconnecting…',
      bot: 'Assistant:',
      user: 'You:'
    },
    zh: {
      title: 'ICP 备案帮助中心',
      other: 'ICP Filing Help Center',
      unavailable: '备案助手暂时无法使用，请稍后再试。',
      reconnecting: '连接已断开，正在重新连接…',
      bot: '助手：',
      user: '我：'
    }
  };

  function safeStorage() {
    try {
      var s = window.localStorage;
      s.setItem('__probe__', '1');
      s.removeItem('__probe__');
      return s;
    } catch (e) {
      return null;
    }
  }
  var storage = safeStorage();

  function normalise(lang) {
    if (!lang) return null;
    lang = String(lang).toLowerCase();
    if (lang.indexOf('zh') === 0) return 'zh';
    if (lang.indexOf('en') === 0) return 'en';
    return null;
  }

  function initialLanguage() {
    var fromQuery = null;
    try {
      fromQuery = normalise(new URLSearchParams(window.location.search).get('lang'));
    } catch (e) { /* old browser: ignore */ }
    if (fromQuery) return fromQuery;
    var stored = storage && normalise(storage.getItem(LANG_KEY));
    if (stored) return stored;
    var prefs = navigator.languages || [navigator.language];
    for (var i = 0; i < prefs.length; i += 1) {
      var l = normalise(prefs[i]);
      if (l) return l;
    }
    return 'en';
  }

  var lang = initialLanguage();
  var chat = null;
  var status = 'connecting';

  function languagePayload(intent, l) {
    return '/' + intent + JSON.stringify({ language: l });
  }

  function applyLanguage(newLang) {
    lang = newLang;
    var root = document.documentElement;
    root.setAttribute('lang', lang === 'zh' ? 'zh-CN' : 'en');
    root.setAttribute('data-lang', lang);
    document.title = TEXT[lang].title + ' · ' + TEXT[lang].other;
    if (storage) storage.setItem(LANG_KEY, lang);
    var labelled = document.querySelectorAll('[data-aria-' + lang + ']');
    for (var i = 0; i < labelled.length; i += 1) {
      labelled[i].setAttribute('aria-label', labelled[i].getAttribute('data-aria-' + lang));
    }
    var hinted = document.querySelectorAll('[data-placeholder-' + lang + ']');
    for (var j = 0; j < hinted.length; j += 1) {
      hinted[j].setAttribute('placeholder', hinted[j].getAttribute('data-placeholder-' + lang));
    }
    showStatus();
  }

  function keepLanguageInUrl(l) {
    // A ?lang= in the address wins over the stored choice: keep it in step with the toggle.
    try {
      var url = new URL(window.location.href);
      if (url.searchParams.has('lang')) {
        url.searchParams.set('lang', l);
        window.history.replaceState(window.history.state, '', url.toString());
      }
    } catch (e) { /* old browser: the stored choice still applies without ?lang= */ }
  }

  function showStatus() {
    var el = document.getElementById('chat-status');
    var text = status === 'unavailable' ? TEXT[lang].unavailable
      : status === 'disconnected' ? TEXT[lang].reconnecting : '';
    if (el.textContent !== text) el.textContent = text;
  }

  function setStatus(state) {
    status = state;
    showStatus();
  }

  // --- the chat full-screen on a phone -----------------------------------------------------

  var phone = window.matchMedia ? window.matchMedia(PHONE) : { matches: false };
  var outside = ['.topbar', '.content', '.footer', '.skip-link', '#chat-launcher'];

  function setOutsideInert(on) {
    outside.forEach(function (selector) {
      var el = document.querySelector(selector);
      if (!el) return;
      if (on) el.setAttribute('inert', '');
      else el.removeAttribute('inert');
    });
  }

  function isOpen() {
    return document.documentElement.classList.contains('chat-open');
  }

  function openChat() {
    if (phone.matches && !isOpen()) {
      document.documentElement.classList.add('chat-open');
      document.getElementById('chat-launcher').setAttribute('aria-expanded', 'true');
      setOutsideInert(true);
    }
    document.getElementById('chat-input').focus({ preventScroll: phone.matches });
  }

  function closeChat() {
    if (!isOpen()) return;
    document.documentElement.classList.remove('chat-open');
    var launcher = document.getElementById('chat-launcher');
    launcher.setAttribute('aria-expanded', 'false');
    setOutsideInert(false);
    launcher.focus();
  }

  function showChat() {
    if (phone.matches) {
      openChat();
      return;
    }
    var panel = document.getElementById('chat');
    var box = panel.getBoundingClientRect();
    var visible = box.top >= 0 && box.bottom <= (window.innerHeight || document.documentElement.clientHeight);
    if (!visible && panel.scrollIntoView) panel.scrollIntoView({ block: 'start' });
    document.getElementById('chat-input').focus({ preventScroll: true });
  }

  // --- wiring ------------------------------------------------------------------------------

  function onToggle() {
    var next = lang === 'zh' ? 'en' : 'zh';
    applyLanguage(next);
    keepLanguageInUrl(next);
    // Tell the bot (not shown as a message); its reply confirms the switch in the new language.
    if (chat) chat.send(languagePayload('change_language', next), '');
  }

  function onAsk(event) {
    var question = event.currentTarget.getAttribute('data-ask-' + lang);
    if (question && chat) chat.send(question, question);
    showChat();
  }

  function start() {
    applyLanguage(lang);
    document.getElementById('lang-toggle').addEventListener('click', onToggle);
    var asks = document.querySelectorAll('button.ask');
    for (var i = 0; i < asks.length; i += 1) asks[i].addEventListener('click', onAsk);
    document.getElementById('chat-launcher').addEventListener('click', openChat);
    document.getElementById('chat-close').addEventListener('click', closeChat);
    var jumps = document.querySelectorAll('a[href="#chat"]');
    for (var j = 0; j < jumps.length; j += 1) {
      jumps[j].addEventListener('click', function (event) {
        event.preventDefault();
        showChat();
      });
    }
    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && isOpen()) closeChat();
    });
    var onWidth = function () { if (!phone.matches) closeChat(); };
    if (phone.addEventListener) phone.addEventListener('change', onWidth);

    if (typeof window.io !== 'function' || !window.IcpChat) {
      setStatus('unavailable');
      return;
    }
    var log = document.getElementById('chat-log');
    var connected = false;
    chat = window.IcpChat.create({
      io: window.io,
      url: window.location.protocol + '//' + window.location.host,
      path: log.getAttribute('data-socket-path') || '/socket.io/',
      storage: storage,
      language: function () { return lang; },
      initPayload: function () { return languagePayload('greet', lang); },
      // the screen reader's "Assistant:" / "You:" before each message, in the page language
      labels: function () {
        var tag = lang === 'zh' ? 'zh-CN' : 'en';
        return { bot: { text: TEXT[lang].bot, lang: tag }, user: { text: TEXT[lang].user, lang: tag } };
      },
      onStatus: function (state) {
        if (state === 'connected') connected = true;
        // before the first connection a failed attempt means "not available"; later "reconnecting"
        setStatus(state === 'unavailable' && connected ? 'disconnected' : state);
      }
    });
    chat.start();
    // socket.io keeps retrying (a refused origin can even look connected for a moment, over
    // polling): after a while without a confirmed session, tell the visitor.
    window.setTimeout(function () {
      if (!connected) setStatus('unavailable');
    }, 10000);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
