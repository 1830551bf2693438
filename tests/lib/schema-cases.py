#!/usr/bin/env python3
"""schema-cases.py KIND DIR: writes releases (KIND=release) or site files
(KIND=site) to DIR, each with one value of the schema's patterned types
(keys, language codes, ids, dates, instants) set to a good, awkward or bad
value, for t1201 to compare pr-publish's schema verdicts with xmllint's.

The values are the edges of the patterns: case, white space around and
inside (which xsd:token collapses), empty, lengths at and over maxLength,
non-ASCII letters and digits, and text split by comments or CDATA."""
import os
import sys

KEYS = ["policing", " policing ", "\tpolicing\n", "police-2", "Policing", "polic ing",
        "polic  ing", "-policing", "policing-", "a--b", "", " ", "a" * 64, "a" * 65,
        "a-" * 31 + "ab", "\u00e4rzte", "\u0661\u0662", "x"]
LANGS = ["en", " en ", "en-GB", "de-DE-1996", "EN", "e", "abcd", "en-", "en-x",
         "en-abcdefghi", "en--GB", "", "\u00e9n", "sr-Latn"]
IDS = ["2021-03-01-good", " 2021-03-01-good ", "2021-03-01", "2021-03-01-", "2021-03-01-Good",
       "2021-3-01-good", "2021-03-01-" + "a" * 69, "2021-03-01-" + "a" * 70,
       "2021-03-01-a-b-c", "2021-03-01--good", "\u0662021-03-01-good"]
DATES = ["2021-03-01", " 2021-03-01\n", "2021-3-01", "20210301", "2021-03-01T00:00", "",
         "2021-03-01 ", "2021-03-0\u0661", "99999-01-01", "2021-13-45"]
INSTANTS = ["2027-01-15T09:00:00Z", "2027-01-15T09:00Z", "2027-01-15T09:00:00+01:00",
            "2027-01-15T09:00:00", "2027-01-15 09:00:00Z", " 2027-01-15T09:00:00Z ",
            "2027-01-15T09:00:00+1:00", "2027-01-15T09:00:00.5Z", ""]

RELEASE = """<?xml version="1.0" encoding="UTF-8"?>
<release id="{id}" xml:lang="{lang}" original-lang="{original}">
  <headline xml:lang="{headline_lang}">OSCE trains police officers in Vienna</headline>
  <subtitle>A course</subtitle>
  <dateline>
    <date>{date}</date>
    <place country="{place_country}">Vienna</place>
  </dateline>
  <embargo>{embargo}</embargo>
  <sources>
    <source ref="{source}"/>
  </sources>
  <fields>
    <field ref="{field}"/>
  </fields>
  <countries>
    <country ref="{country}"/>
  </countries>
  <event>
    <name>Training</name>
    <date>{event_date}</date>
    <end-date>{end_date}</end-date>
  </event>
  <people>
    <person id="{person}">
      <name>Jane Doe</name>
    </person>
  </people>
  <body>
    <p xml:lang="{p_lang}">A course ended. <q by="{q_by}">It went well</q>, said <span xml:lang="{span_lang}">Jane</span>.</p>
    <blockquote by="{quote_by}"><p>Quoted.</p></blockquote>
    <ul xml:lang="{ul_lang}"><li>One</li></ul>
  </body>
  <corrections>
    <correction date="{correction}">Fixed a name.</correction>
  </corrections>
  <withdrawn date="{withdrawn}">Taken off.</withdrawn>
</release>
"""

GOOD = {"id": "2021-03-01-good", "lang": "en", "original": "de", "headline_lang": "en",
        "date": "2021-03-01", "place_country": "austria", "embargo": "2021-03-01T09:00:00Z",
        "source": "secretariat", "field": "policing", "country": "austria",
        "event_date": "2021-03-01", "end_date": "2021-03-02", "person": "jane-doe",
        "p_lang": "en", "q_by": "jane-doe", "span_lang": "de", "quote_by": "jane-doe",
        "ul_lang": "en", "correction": "2021-03-02", "withdrawn": "2021-03-03"}

RELEASE_SLOTS = {"id": IDS, "lang": LANGS, "original": LANGS, "headline_lang": LANGS,
                 "date": DATES, "place_country": KEYS, "embargo": INSTANTS, "source": KEYS,
                 "field": KEYS, "country": KEYS, "event_date": DATES, "end_date": DATES,
                 "person": KEYS, "p_lang": LANGS, "q_by": KEYS, "span_lang": LANGS,
                 "quote_by": KEYS, "ul_lang": LANGS, "correction": DATES, "withdrawn": DATES}

# Element text, split in ways a parser keeps apart.
SPLIT_TEXT = ["2021-<!-- c -->03-01", "<![CDATA[2021-03-01]]>", "2021<![CDATA[-03-01]]>",
              "<!-- c -->2021-03-01", "2021-<!-- c -->3-01", "<?pi x?>2021-03-01"]


def attr(value):
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            .replace("\t", "&#9;").replace("\n", "&#10;"))


def text(value):
    return value.replace("&", "&amp;").replace("<", "&lt;")


def releases(out):
    n = 0
    texts = {"date", "embargo", "event_date", "end_date"}
    for slot, values in RELEASE_SLOTS.items():
        for value in values:
            fields = {k: (text(v) if k in texts else attr(v)) for k, v in GOOD.items()}
            fields[slot] = text(value) if slot in texts else attr(value)
            n += 1
            with open(os.path.join(out, "case-%03d.en.xml" % n), "w", encoding="utf-8") as f:
                f.write(RELEASE.format(**fields))
    for slot in ("date", "end_date"):
        for raw in SPLIT_TEXT:
            fields = dict(GOOD)
            fields[slot] = raw
            n += 1
            with open(os.path.join(out, "case-%03d.en.xml" % n), "w", encoding="utf-8") as f:
                f.write(RELEASE.format(**fields))


def sites(out, site):
    with open(site, encoding="utf-8") as f:
        good = f.read()
    n = 0
    edits = []
    for value in KEYS:
        edits.append(('key="secretariat"', 'key="%s"' % attr(value)))
    for value in LANGS:
        edits.append(('code="de"', 'code="%s"' % attr(value)))
    for value in ["en_GB", "de", "de_de", "DE_DE", "deu_AT", "d", "de_DEU", " en_GB ", ""]:
        edits.append(('dictionary="en_GB"', 'dictionary="%s"' % attr(value)))
    for old, new in edits:
        if old not in good:
            sys.exit("schema-cases.py: %s is not in %s" % (old, site))
        n += 1
        with open(os.path.join(out, "site-%03d.xml" % n), "w", encoding="utf-8") as f:
            f.write(good.replace(old, new, 1))


if __name__ == "__main__":
    os.makedirs(sys.argv[2], exist_ok=True)
    if sys.argv[1] == "release":
        releases(sys.argv[2])
    else:
        sites(sys.argv[2], sys.argv[3])
