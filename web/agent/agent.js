/*
 * Agent console: the handoff queue, a conversation's transcript and facts, answer suggestions.
 *
 * Talks only to the /agent/ API of this same server (channels/agent.py) with the token the agent
 * typed, kept in sessionStorage (this tab only). Every text from users, the bot or the knowledge
 * base is put into the page with textContent, never as HTML; links get an href only when they are
 * http(s) URLs.
 */
(function () {
  'use strict';

  var TOKEN_KEY = 'agent-console.token';
  var LANG_KEY = 'agent-console.lang';
  var REFRESH_MS = 5000;
  var TEXT = {
    en: {
      off: 'The agent API is off on this server (AGENT_TOKEN is not set).',
      bad: 'That token was refused.',
      offline: 'Cannot reach the server; retrying…',
      ok: 'Connected',
      sent: 'Sent to the user.',
      stored: 'Stored in the conversation (this channel cannot push; the user sees it on their next request).',
      released: 'Handed back to the bot.',
      failed: 'Failed: ',
      user: 'User', bot: 'Bot', agent: 'Agent',
      useEn: 'Use English', useZh: 'Use Chinese',
      confidence: 'confidence', sources: 'Sources', links: 'Links',
      waited: 'waiting', min: 'min', facts: 'Facts', none: 'none yet', lastAsked: 'Last question',
      notes: 'Notes'
    },
    zh: {
      off: '本服务器未开启客服接口（未设置 AGENT_TOKEN）。',
      bad: '令牌不正确。',
      offline: '无法连接服务器，正在重试…',
      ok: '已连接',
      sent: '已发送给用户。',
      stored: '已保存到对话中（该渠道无法推送，用户下次请求时可看到）。',
      released: '已交还给机器人。',
      failed: '失败：',
      user: '用户', bot: '机器人', agent: '客服',
      useEn: '使用英文', useZh: '使用中文',
      confidence: '置信度', sources: '来源', links: '链接',
      waited: '已等待', min: '分钟', facts: '已收集信息', none: '暂无', lastAsked: '最近的问题',
      notes: '说明'
    }
  };

  function store(kind) {
    try { var s = window[kind]; s.setItem('__p', '1'); s.removeItem('__p'); return s; } catch (e) { return null; }
  }
  var session = store('sessionStorage');
  var local = store('localStorage');

  var $ = function (id) { return document.getElementById(id); };
  var lang = (local && local.getItem(LANG_KEY)) ||
    ((navigator.language || '').toLowerCase().indexOf('zh') === 0 ? 'zh' : 'en');
  var token = session ? session.getItem(TOKEN_KEY) : null;
  var current = null;          // sender id of the open conversation
  var shown = null;            // the suggestions on screen (redrawn when the language changes)
  var timer = null;

  function t(key) { return TEXT[lang][key]; }

  function setLang(value) {
    lang = value === 'zh' ? 'zh' : 'en';
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.documentElement.setAttribute('data-lang', lang);
    if (local) local.setItem(LANG_KEY, lang);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function link(url, title) {
    var a = el('a', null, title || url);
    if (/^https?:\/\//i.test(String(url))) {
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
    }
    return a;
  }

  function status(text, kind) {
    var node = $('api-status');
    node.textContent = text || '';
    node.className = 'api-status' + (kind ? ' ' + kind : '');
  }

  function api(method, path, body) {
    var options = { method: method, headers: { 'Authorization': 'Bearer ' + token } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch('/agent/' + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 || response.status === 403) { signOut(t('bad')); throw new Error(t('bad')); }
        if (response.status === 503) { status(t('off'), 'error'); throw new Error(data.error || t('off')); }
        if (!response.ok) throw new Error(data.error || String(response.status));
        status(t('ok'), 'ok');
        return data;
      });
    }, function (error) { status(t('offline'), 'error'); throw error; });
  }

  // --- sign-in -----------------------------------------------------------------------------

  function signOut(message) {
    token = null;
    if (session) session.removeItem(TOKEN_KEY);
    clearInterval(timer);
    $('workspace').hidden = true;
    $('sign-out').hidden = true;
    $('token-form').hidden = false;
    $('token-error').textContent = message || '';
    $('token-input').value = '';
    $('token-input').focus();
  }

  function signIn() {
    $('token-form').hidden = true;
    $('workspace').hidden = false;
    $('sign-out').hidden = false;
    refresh();
    clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }

  // --- queue -------------------------------------------------------------------------------

  function refresh() {
    if (!token) return;
    loadQueue();
    if (current) loadConversation(current, false);
  }

  function minutes(seconds) { return seconds == null ? '' : Math.floor(seconds / 60) + ' ' + t('min'); }

  function loadQueue() {
    var chosen = $('queue-status').value;
    return api('GET', 'conversations?status=' + encodeURIComponent(chosen)).then(function (data) {
      var list = $('queue-list');
      var focused = document.activeElement && document.activeElement.getAttribute('data-sender');
      list.textContent = '';
      data.conversations.forEach(function (c) {
        var item = el('li');
        var button = el('button', 'queue-item' + (c.sender_id === current ? ' selected' : ''));
        button.type = 'button';
        button.setAttribute('data-sender', c.sender_id);
        if (c.sender_id === current) button.setAttribute('aria-current', 'true');
        button.appendChild(el('span', 'who', c.sender_id));
        button.appendChild(el('span', 'meta', [c.channel, c.language, c.status, c.reason,
          c.waited_seconds != null ? t('waited') + ' ' + minutes(c.waited_seconds) : ''].filter(Boolean).join(' · ')));
        var last = (c.last_user_messages || []).slice(-1)[0];
        if (last) button.appendChild(el('span', 'last', last));
        button.addEventListener('click', function () { open(c.sender_id); });
        item.appendChild(button);
        list.appendChild(item);
        if (focused === c.sender_id) button.focus();
      });
      $('queue-empty').hidden = data.conversations.length > 0;
    }).catch(function () {});
  }

  // --- conversation ------------------------------------------------------------------------

  function open(senderId) {
    current = senderId;
    loadConversation(senderId, true);
    loadQueue();
  }

  // Readable names for the facts the bot collects (slot names and their values in the API).
  var FACT_NAMES = {
    en: {
      province: 'Province', domain: 'Domain', provider: 'Provider', last_faq_id: 'Last answer',
      server_location: 'Server location', service_type: 'Service', domain_filing: 'Domain filing',
      application_stage: 'Filing application', server_reachable: 'Server reachable by IP',
      dereg_owner: 'Whose filing', dereg_scope: 'Deregister', dereg_online: 'Online deregistration possible',
      mainland: 'mainland China', hong_kong: 'Hong Kong', overseas: 'outside China', website: 'website',
      email: 'email only', none: 'none', this_provider: 'filed with this provider',
      other_provider: 'filed with another provider', deregistered: 'deregistered',
      not_applied: 'not applied', in_review: 'in review', preliminarily_approved: 'preliminarily approved',
      approved_today: 'approved today', approved_earlier: 'approved earlier', yes: 'yes', no: 'no',
      own: 'their own', other_entity: "another entity's", entity: 'the whole entity', 'website ': 'one website'
    },
    zh: {
      province: '省份', domain: '域名', provider: '服务商', last_faq_id: '上次回答',
      server_location: '服务器位置', service_type: '服务类型', domain_filing: '域名备案情况',
      application_stage: '备案申请进度', server_reachable: 'IP 能否访问', dereg_owner: '备案归属',
      dereg_scope: '注销范围', dereg_online: '能否线上注销',
      mainland: '中国内地', hong_kong: '香港', overseas: '境外', website: '网站', email: '仅邮箱',
      none: '无', this_provider: '在本服务商备案', other_provider: '在其他服务商备案', deregistered: '已注销',
      not_applied: '未申请', in_review: '审核中', preliminarily_approved: '初审通过', approved_today: '今日通过',
      approved_earlier: '早前通过', yes: '是', no: '否', own: '本人/本单位', other_entity: '其他主体',
      entity: '整个主体', 'website ': '单个网站'
    }
  };

  function factName(key, value) {
    var names = FACT_NAMES[lang] || FACT_NAMES.en;
    // "website" is both a service type and a deregistration scope
    var label = key === 'dereg_scope' && value === 'website' ? names['website '] : names[value];
    return { key: names[key] || key, value: typeof value === 'string' && label ? label : String(value) };
  }

  function renderFacts(facts) {
    var dl = $('facts');
    dl.textContent = '';
    var keys = Object.keys(facts || {});
    dl.appendChild(el('dt', 'facts-title', t('facts')));
    dl.appendChild(el('dd', null, keys.length ? '' : t('none')));
    keys.forEach(function (key) {
      var named = factName(key, facts[key]);
      dl.appendChild(el('dt', null, named.key));
      dl.appendChild(el('dd', null, named.value));
    });
    dl.hidden = false;
  }

  function renderTranscript(messages) {
    var ol = $('transcript');
    var atBottom = ol.scrollTop + ol.clientHeight >= ol.scrollHeight - 8;
    ol.textContent = '';
    messages.forEach(function (m) {
      var li = el('li', 'msg from-' + m.from + (m.payload ? ' payload' : ''));
      var who = m.from === 'agent' && m.agent ? t('agent') + ' ' + m.agent : t(m.from);
      li.appendChild(el('span', 'msg-who', who + (m.time ? ' · ' + m.time.replace('T', ' ').replace('+00:00', ' UTC') : '')));
      li.appendChild(el('span', 'msg-text', m.text));
      if (m.buttons && m.buttons.length) li.appendChild(el('span', 'msg-buttons', m.buttons.join(' | ')));
      ol.appendChild(li);
    });
    ol.hidden = false;
    if (atBottom) ol.scrollTop = ol.scrollHeight;
  }

  function loadConversation(senderId, withSuggestions) {
    return api('GET', 'conversations/' + encodeURIComponent(senderId)).then(function (data) {
      if (current !== senderId) return;
      $('conversation-empty').hidden = true;
      $('conversation-meta').textContent = [data.sender_id, data.channel, data.language, data.status]
        .filter(Boolean).join(' · ');
      renderFacts(data.facts);
      renderTranscript(data.messages || []);
      $('reply-form').hidden = false;
      if (withSuggestions) {
        $('suggest-text').value = data.question || '';
        renderSuggestions(data.suggestions);
      }
    }).catch(function (error) { $('reply-status').textContent = t('failed') + error.message; });
  }

  function send(event) {
    event.preventDefault();
    var text = $('reply').value.trim();
    if (!current || !text) return;
    api('POST', 'conversations/' + encodeURIComponent(current) + '/messages', { text: text }).then(function (data) {
      $('reply').value = '';
      $('reply-status').textContent = data.delivered ? t('sent') : t('stored');
      loadConversation(current, false);
      loadQueue();
    }).catch(function (error) { $('reply-status').textContent = t('failed') + error.message; });
  }

  function release() {
    if (!current) return;
    api('POST', 'conversations/' + encodeURIComponent(current) + '/release', {}).then(function () {
      $('reply-status').textContent = t('released');
      loadConversation(current, false);
      loadQueue();
    }).catch(function (error) { $('reply-status').textContent = t('failed') + error.message; });
  }

  // --- suggestions -------------------------------------------------------------------------

  function useText(text) {
    var box = $('reply');
    box.value = text;
    box.focus();
    box.setSelectionRange(text.length, text.length);
  }

  function side(s, code) {
    var div = el('div', 'side side-' + code);
    div.setAttribute('lang', code === 'zh' ? 'zh-CN' : 'en');
    div.appendChild(el('p', 'q', s.question[code]));
    div.appendChild(el('p', 'a', s.answer[code]));
    var use = el('button', 'use', code === 'zh' ? t('useZh') : t('useEn'));
    use.type = 'button';
    use.addEventListener('click', function () { useText(s.answer[code]); });
    div.appendChild(use);
    return div;
  }

  function renderSuggestions(data) {
    shown = data;
    var ol = $('suggestions');
    ol.textContent = '';
    $('bureau').hidden = true;
    $('suggest-flag').hidden = !(data && data.low_confidence);
    if (!data) return;
    if (data.bureau) {
      var b = $('bureau');
      b.textContent = '';
      b.appendChild(el('p', 'bureau-name', data.bureau.name.zh + ' · ' + data.bureau.name.en));
      var ul = el('ul');
      data.bureau.links.forEach(function (l) {
        var li = el('li');
        li.appendChild(link(l.url, l.title));
        if (l.note) li.appendChild(el('span', 'note', ' — ' + l.note[lang]));
        ul.appendChild(li);
      });
      b.appendChild(ul);
      (data.bureau.notes || []).forEach(function (n) { b.appendChild(el('p', 'note', n[lang])); });
      b.hidden = false;
    }
    data.suggestions.forEach(function (s) {
      var li = el('li', 'suggestion');
      var head = el('div', 'suggestion-head');
      head.appendChild(el('span', 'sid', s.id));
      head.appendChild(el('span', 'conf', t('confidence') + ' ' + Math.round(s.confidence * 100) + '%'));
      li.appendChild(head);
      var sides = el('div', 'sides');
      sides.appendChild(side(s, 'en'));
      sides.appendChild(side(s, 'zh'));
      li.appendChild(sides);
      var sources = el('p', 'sources small', t('sources') + ': ' + (s.source_titles[lang] || s.sources).join('; '));
      li.appendChild(sources);
      if (s.links.length) {
        var links = el('p', 'links small', t('links') + ': ');
        s.links.forEach(function (l, i) { if (i) links.appendChild(document.createTextNode(' · ')); links.appendChild(link(l.url, l.title)); });
        li.appendChild(links);
      }
      ol.appendChild(li);
    });
  }

  function suggest(event) {
    event.preventDefault();
    var text = $('suggest-text').value.trim();
    if (!text) return;
    var body = { text: text };
    if (current) body.sender_id = current;
    api('POST', 'suggest', body).then(renderSuggestions).catch(function (error) {
      $('suggestions').textContent = '';
      $('suggestions').appendChild(el('li', 'error', t('failed') + error.message));
    });
  }

  // --- wiring ------------------------------------------------------------------------------

  document.addEventListener('DOMContentLoaded', function () {
    setLang(lang);
    $('lang-toggle').addEventListener('click', function () {
      setLang(lang === 'zh' ? 'en' : 'zh');
      $('reply-status').textContent = '';
      if (shown) renderSuggestions(shown);
      if (current && token) loadConversation(current, false);
    });
    $('sign-out').addEventListener('click', function () { signOut(''); });
    $('token-form').addEventListener('submit', function (event) {
      event.preventDefault();
      token = $('token-input').value.trim();
      if (!token) return;
      if (session) session.setItem(TOKEN_KEY, token);
      $('token-error').textContent = '';
      signIn();
    });
    $('queue-status').addEventListener('change', loadQueue);
    $('reply-form').addEventListener('submit', send);
    $('reply').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) send(event);
    });
    $('release').addEventListener('click', release);
    $('suggest-form').addEventListener('submit', suggest);
    if (token) signIn(); else signOut('');
  });
}());
