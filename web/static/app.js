/*
 * ICP filing help page: language toggle + rasa-webchat widget.
 *
 * No host is hard-coded: the page is served by the Rasa server itself (channels/webpage.py), so the
 * socket.io endpoint is this page's own origin (window.location). The widget bundle is the unmodified
 * rasa-webchat lib/index.js from npm, served from vendor/ by the same server.
 */
(function () {
  'use strict';

  var LANG_KEY = 'icp-help.lang';
  var TEXT = {
    en: {
      title: 'ICP Filing Help Center',
      widgetTitle: 'ICP filing assistant',
      widgetSubtitle: 'Ask in English or Chinese',
      hint: 'Type your question…',
      connecting: 'Connecting to the assistant…',
      unavailable: 'The assistant is not available right now. Please try again later.'
    },
    zh: {
      title: 'ICP 备案帮助中心',
      widgetTitle: 'ICP 备案助手',
      widgetSubtitle: '支持中文和英文提问',
      hint: '请输入您的问题…',
      connecting: '正在连接备案助手…',
      unavailable: '备案助手暂时无法使用，请稍后再试。'
    }
  };

  function safeStorage(kind) {
    try {
      var s = window[kind];
      var probe = '__probe__';
      s.setItem(probe, probe);
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null;
    }
  }
  var storage = safeStorage('localStorage');

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
  // The same object is handed to the widget as `customData`; rasa-webchat sends it with every
  // user message (Rasa puts it in the message metadata), so updating it in place keeps the
  // metadata in step with the page language.
  var customData = { language: lang };
  var widget = null; // the rasa-webchat component instance (via its innerRef prop)

  function applyLanguage(newLang) {
    lang = newLang;
    var root = document.documentElement;
    root.setAttribute('lang', lang === 'zh' ? 'zh-CN' : 'en');
    root.setAttribute('data-lang', lang);
    document.title = TEXT[lang].title + (lang === 'zh' ? ' · ICP Filing Help Center' : ' · ICP 备案帮助中心');
    customData.language = lang;
    if (storage) storage.setItem(LANG_KEY, lang);
    var input = document.querySelector('#webchat .rw-new-message');
    if (input) input.setAttribute('placeholder', TEXT[lang].hint);
  }

  function languagePayload(intent, l) {
    return '/' + intent + JSON.stringify({ language: l });
  }

  function sendToBot(payload, shownText) {
    if (widget && typeof widget.sendMessage === 'function') {
      widget.sendMessage(payload, shownText || '');
      return true;
    }
    return false;
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

  function onToggle() {
    var next = lang === 'zh' ? 'en' : 'zh';
    applyLanguage(next);
    keepLanguageInUrl(next);
    // Tell the bot; the reply confirms the switch in the new language.
    sendToBot(languagePayload('change_language', next));
  }

  function onAsk(event) {
    var button = event.currentTarget;
    var question = button.getAttribute('data-ask-' + lang);
    if (question) sendToBot(question, question);
    var chat = document.getElementById('chat');
    if (chat && chat.scrollIntoView) {
      var box = chat.getBoundingClientRect();
      var visible = box.top >= 0 && box.bottom <= (window.innerHeight || document.documentElement.clientHeight);
      if (!visible) chat.scrollIntoView({ behavior: 'smooth', block: 'start' });
    }
    var input = document.querySelector('#webchat .rw-new-message');
    if (input) input.focus({ preventScroll: true });
  }

  // Links in bot messages. rasa-webchat renders markdown with react-markdown (raw HTML is escaped,
  // never rendered) but turns off its URL filter, so a `[x](javascript:...)` link would keep its
  // href. The CSP already stops such a URL from running; here it also loses its href, and every
  // link from the bot opens in a new tab without a handle on this page.
  var UNSAFE_URL = /^(javascript|data|vbscript|file):/;

  function unsafeHref(a) {
    var href = (a.getAttribute('href') || '').replace(/[\u0000-\u0020]/g, '').toLowerCase();
    return UNSAFE_URL.test(href);
  }

  function sanitiseLinks(root) {
    var links = root.querySelectorAll('a[href]');
    for (var i = 0; i < links.length; i += 1) {
      var a = links[i];
      if (unsafeHref(a)) {
        a.removeAttribute('href');
        a.removeAttribute('target');
        a.setAttribute('data-unsafe-link', 'removed');
      } else {
        a.setAttribute('target', '_blank');
        a.setAttribute('rel', 'noopener noreferrer');
      }
    }
  }

  function guardClicks(event) {
    var a = event.target && event.target.closest ? event.target.closest('a[href]') : null;
    if (a && unsafeHref(a)) {
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function setStatus(text) {
    var el = document.getElementById('chat-status');
    if (el) el.textContent = text || '';
  }

  function mountWidget() {
    var mount = document.getElementById('webchat');
    if (!window.WebChat || typeof window.WebChat.default !== 'function') {
      setStatus(TEXT[lang].unavailable);
      return;
    }
    var socketPath = mount.getAttribute('data-socket-path') || '/socket.io/';
    var connected = false;
    // socket.io keeps retrying; after a while tell the visitor instead of "connecting" forever.
    window.setTimeout(function () {
      if (!connected) setStatus(TEXT[lang].unavailable);
    }, 10000);
    window.WebChat.default({
      socketUrl: window.location.protocol + '//' + window.location.host,
      socketPath: socketPath,
      initPayload: languagePayload('greet', lang),
      customData: customData,
      title: TEXT.en.widgetTitle + ' · ' + TEXT.zh.widgetTitle,
      subtitle: TEXT.en.widgetSubtitle + ' · ' + TEXT.zh.widgetSubtitle,
      inputTextFieldHint: TEXT[lang].hint,
      connectingText: TEXT[lang].connecting,
      embedded: true,
      showCloseButton: false,
      hideWhenNotConnected: false,
      withRules: false,
      docViewer: false,
      params: { storage: 'local' },
      customMessageDelay: function () { return 250; },
      onSocketEvent: {
        connect: function () { connected = true; setStatus(''); },
        disconnect: function () { connected = false; }
      },
      innerRef: function (instance) { widget = instance; }
    }, mount);
  }

  function start() {
    applyLanguage(lang);
    document.getElementById('lang-toggle').addEventListener('click', onToggle);
    var asks = document.querySelectorAll('button.ask');
    for (var i = 0; i < asks.length; i += 1) asks[i].addEventListener('click', onAsk);
    document.addEventListener('click', guardClicks, true);
    document.addEventListener('auxclick', guardClicks, true);
    var chatRoot = document.getElementById('webchat');
    sanitiseLinks(chatRoot);
    if (window.MutationObserver) {
      new MutationObserver(function () { sanitiseLinks(chatRoot); })
        .observe(chatRoot, { childList: true, subtree: true });
    }
    mountWidget();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
