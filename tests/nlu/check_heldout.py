"""Check the held-out NLU set under tests/nlu/: YAML, intent coverage and minimum counts, duplicates,
entity values (province = bureau id), script of each set. Run: .venv/bin/python tests/nlu/check_heldout.py"""
import re, sys, glob, collections, pathlib, yaml, unicodedata
ROOT = pathlib.Path(__file__).resolve().parents[2]
NLU = ROOT / 'tests' / 'nlu'
SETS = ['en', 'zh', 'zh_mixed', 'zh_hant']
TOPICS = ['deregistration', 'transfer', 'accessibility', 'filing', 'icp_number', 'password', 'authorization_code',
          'information_change', 'provincial_rules', 'psb_filing', 'licences', 'sms_verification',
          'special_inspection', 'smalltalk', 'dialog', 'bureau']
CONV = ['greet', 'goodbye', 'thank', 'ask_capabilities', 'out_of_scope', 'affirm', 'deny', 'inform',
        'ask_bureau_link', 'request_human', 'restart', 'stop', 'change_language']
DIALOG = {'dereg_how': 'request_deregistration', 'transfer_when_required': 'ask_transfer_needed',
          'access_why_inaccessible': 'check_accessibility', 'filing_needed': 'ask_filing_needed'}
bureaus = yaml.safe_load(open(ROOT / 'knowledge/data/bureaus.yml'))['bureaus']
BUREAU_IDS = {b['id'] for b in bureaus}
VALUES = {'server_location': {'mainland', 'hong_kong', 'overseas'},
          'provider': {'tencent', 'aliyun', 'jdcloud', 'other'}}
ENT = re.compile(r'\[([^\]\[]+)\]\{"entity": "([a-z_]+)", "value": "([^"]+)"\}')

errors = []
def err(msg): errors.append(msg)

# expected intents, with the topic they belong to
expected = {}
questions = {}
for f in sorted((ROOT / 'knowledge/data/faq').glob('*.yml')):
    for e in yaml.safe_load(open(f))['entries']:
        intent = e.get('intent', 'faq/' + e['id'])
        if 'intent' in e and DIALOG.get(e['id']) != e['intent']:
            err(f'unexpected dialog mapping {e["id"]} -> {e["intent"]}')
        expected[intent] = f.stem
        questions[intent] = e['question']
for i in CONV:
    expected[i] = 'bureau' if i == 'ask_bureau_link' else (
        'smalltalk' if i in ('greet', 'goodbye', 'thank', 'ask_capabilities', 'out_of_scope') else 'dialog')
MAIN = {'deregistration', 'transfer', 'accessibility'}
def minimum(s, intent):
    if s in ('en', 'zh'): return 5
    return 2 if (expected[intent] in MAIN or intent in CONV) else 1

def plain(ex): return ENT.sub(lambda m: m.group(1), ex)
def norm(t): return re.sub(r'[\W_]+', '', unicodedata.normalize('NFKC', t).casefold())

try:
    import opencc
    s2t, t2s = opencc.OpenCC('s2t'), opencc.OpenCC('t2s')
    TRAD = [opencc.OpenCC(c) for c in ('s2t', 's2tw', 's2hk')]
except Exception:
    s2t = t2s = None

examples = {s: collections.defaultdict(list) for s in SETS}
ent_counts = {s: collections.Counter() for s in SETS}
prov_values = {s: collections.Counter() for s in SETS}
for s in SETS:
    # one file per topic, plus files that gather one kind of phrasing across topics
    # (e.g. user_phrasing.yml, written with the independent conversation set)
    extra = sorted(f.stem for f in (NLU / s).glob('*.yml') if f.stem not in TOPICS)
    for topic in TOPICS + extra:
        p = NLU / s / f'{topic}.yml'
        if not p.exists():
            err(f'missing {p}'); continue
        try:
            doc = yaml.safe_load(p.read_text())
        except yaml.YAMLError as e:
            err(f'{p}: YAML error {e}'); continue
        if str(doc.get('version')) != '3.1': err(f'{p}: version')
        for block in doc.get('nlu', []):
            intent = block['intent']
            if intent not in expected: err(f'{p}: unknown intent {intent}'); continue
            if topic in TOPICS and expected[intent] != topic:
                err(f'{p}: intent {intent} belongs in {expected[intent]}.yml')
            lines = block['examples'].splitlines()
            for line in lines:
                if not line.strip(): continue
                if not line.startswith('- '): err(f'{p}: bad example line {line!r}'); continue
                ex = line[2:].strip()
                rest = ENT.sub('', ex)
                if re.search(r'[\[\]{}]', rest): err(f'{p}: stray bracket/brace in {ex!r}')
                for text, ent, val in ENT.findall(ex):
                    ent_counts[s][ent] += 1
                    if ent == 'province':
                        prov_values[s][val] += 1
                        if val not in BUREAU_IDS: err(f'{p}: province value {val!r} not a bureau id ({ex})')
                    elif ent in VALUES:
                        if val not in VALUES[ent]: err(f'{p}: {ent} value {val!r} ({ex})')
                    elif ent == 'domain':
                        if val != text: err(f'{p}: domain value differs from text ({ex})')
                    elif ent == 'domain_suffix':
                        if not val.startswith('.'): err(f'{p}: suffix value {val!r}')
                    else: err(f'{p}: unknown entity {ent}')
                pl = plain(ex)
                if s == 'en' and re.search(r'[\u3400-\u9fff]', pl): err(f'{p}: CJK in English example {ex!r}')
                if s != 'en' and not re.search(r'[\u3400-\u9fff]', pl) and intent not in CONV:
                    err(f'{p}: no Chinese in {ex!r}')
                if s == 'zh_mixed' and not re.search(r'[A-Za-z]{2,}', re.sub(r'[A-Za-z0-9-]*(\.[A-Za-z]+)+', '', pl)):
                    err(f'{p}: zh_mixed example without English word {ex!r}')
                if s2t and s == 'zh_hant':
                    diff = {c for c in pl if c not in '里' and all(cv.convert(c) != c for cv in TRAD)}
                    if diff: err(f'{p}: Simplified chars {sorted(diff)} in {ex!r}')
                if s2t and s in ('zh', 'zh_mixed') and t2s.convert(pl) != pl:
                    diff = {a for a, b in zip(pl, t2s.convert(pl)) if a != b}
                    err(f'{p}: Traditional chars {sorted(diff)} in {ex!r}')
                examples[s][intent].append((ex, str(p)))

# coverage and minimum counts
for s in SETS:
    for intent in expected:
        n = len(examples[s].get(intent, []))
        if n < minimum(s, intent): err(f'{s}: {intent} has {n} examples, needs {minimum(s, intent)}')

# duplicates (after removing annotations, case/punctuation-insensitive), across intents over all sets
seen = {}
for s in SETS:
    for intent, exs in examples[s].items():
        for ex, p in exs:
            k = norm(plain(ex))
            if k in seen and seen[k][0] != intent:
                err(f'duplicate across intents: {ex!r} ({s} {intent}) vs {seen[k]}')
            elif k in seen and seen[k][1] == s:
                err(f'duplicate within intent: {ex!r} ({s} {intent})')
            seen.setdefault(k, (intent, s))
# copies of FAQ question text
qtexts = {}
for intent, q in questions.items():
    for lang in ('en', 'zh'):
        qtexts[norm(q[lang])] = intent
        if s2t: qtexts[norm(s2t.convert(q[lang]))] = intent
for s in SETS:
    for intent, exs in examples[s].items():
        for ex, p in exs:
            if norm(plain(ex)) in qtexts: err(f'{s}: copies FAQ question text: {ex!r}')

print('set       intents  examples  province  domain  suffix  location  provider  distinct_provinces')
for s in SETS:
    n = sum(len(v) for v in examples[s].values())
    c = ent_counts[s]
    print(f'{s:9} {len(examples[s]):7} {n:9} {c["province"]:9} {c["domain"]:7} {c["domain_suffix"]:7} '
          f'{c["server_location"]:9} {c["provider"]:9} {len(prov_values[s]):5}')
print('expected intents:', len(expected))
missing_prov = {s: sorted(BUREAU_IDS - set(prov_values[s])) for s in SETS}
print('provinces never mentioned:', missing_prov)
for e in errors: print('ERROR', e)
print('errors:', len(errors))
sys.exit(1 if errors else 0)
