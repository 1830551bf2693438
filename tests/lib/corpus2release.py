#!/usr/bin/env python3
"""corpus2release: turn one real published release (a corpus JSON file) into
a pr-publish release file, so that tests can run the tools on real text.

usage: corpus2release.py [--source KEY]... [--field KEY]... SITE_XML CORPUS_JSON OUT_DIR

Writes OUT_DIR/<id>.<lang>.xml, where id is the dateline date and a slug of
the headline (at most 80 characters), and prints its path.

The corpus keeps what the page printed and leaves a value empty where the page
gave none.  What is missing is inferred from the text, always the same way,
and every inference is reported on stderr:

  date     the first "18 January 2024" in the first paragraph
  places   the all-caps dateline of the first paragraph, else the seat of
           the first source (HCNM -> The Hague)
  sources  the address (osce.org/hcnm -> hcnm), else a source's label or
           abbreviation named in the headline or first paragraph, else a
           phrase that names one (election observers -> odihr), else the
           field operation of the one host country named in the headline
  fields   a keyword table run over the headline and the text

--source and --field give keys for a release whose page had none and whose
text does not say; they are checked against site.xml.  When nothing can be
inferred, the tool says so and exits 1: it never falls back on a default.
The one exception is the field of work, which a release may lack (a visit,
an anniversary): then <fields> is left out, the tool says so on stderr and
the release is written all the same (pr-publish validate warns,
field-missing).

Exit status: 0 written, 1 the input cannot be converted, 2 usage error,
3 system error (a file that cannot be read or written).
"""

import argparse
import datetime
import json
import os
import re
import sys
import unicodedata
import urllib.parse
import xml.etree.ElementTree as ET

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_SYSTEM = 0, 1, 2, 3
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ID_MAX = 80

MONTHS = ["january", "february", "march", "april", "may", "june", "july",
          "august", "september", "october", "november", "december"]
DATE_RE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})\b",
                     re.IGNORECASE)
# "SEOUL/VIENNA, 15 October 2020 – ": all-caps place(s), a comma, the date and
# a dash of some kind (or none).  A photo caption may stand before it.
CAPS = r"[A-Z][A-Z'’.\-]*(?: [A-Z][A-Z'’.\-]*)*"
DATELINE_RE = re.compile(
    r"(?P<places>" + CAPS + r"(?:\s*/\s*" + CAPS + r")*)\s*,\s*"
    r"(?P<date>\d{1,2}\s+[A-Za-z]+\s+\d{4})\s*(?:[-–—]+\s*)?")

# The first segment of an osce.org address names the office that published
# the page; the Parliamentary Assembly has a site of its own.
URL_HOSTS = {"oscepa.org": "parliamentary-assembly"}
URL_SEGMENTS = {
    "hcnm": "hcnm", "odihr": "odihr", "fom": "fom",
    "secretariat": "secretariat", "secretary-general": "secretary-general",
    "chairmanship": "chairpersonship", "chairpersonship": "chairpersonship",
    "cpc": "conflict-prevention-centre", "cthb": "combating-trafficking-office",
    "oceea": "economic-and-environmental-activities",
    "partners-for-cooperation": "external-co-operation",
    "pa": "parliamentary-assembly",
    "court-of-conciliation-and-arbitration": "court-of-conciliation-and-arbitration",
    "presence-in-albania": "presence-in-albania", "albania": "presence-in-albania",
    "ashgabat": "centre-in-ashgabat", "astana": "programme-office-in-astana",
    "programme-office-in-astana": "programme-office-in-astana",
    "bishkek": "programme-office-in-bishkek",
    "programme-office-in-bishkek": "programme-office-in-bishkek",
    "bih": "mission-to-bosnia-and-herzegovina",
    "mission-to-bosnia-and-herzegovina": "mission-to-bosnia-and-herzegovina",
    "dushanbe": "programme-office-in-dushanbe",
    "programme-office-in-dushanbe": "programme-office-in-dushanbe",
    "kosovo": "mission-in-kosovo", "mission-in-kosovo": "mission-in-kosovo",
    "moldova": "mission-to-moldova", "mission-to-moldova": "mission-to-moldova",
    "montenegro": "mission-to-montenegro",
    "mission-to-montenegro": "mission-to-montenegro",
    "serbia": "mission-to-serbia", "mission-to-serbia": "mission-to-serbia",
    "skopje": "mission-to-skopje", "mission-to-skopje": "mission-to-skopje",
    "uzbekistan": "project-co-ordinator-in-uzbekistan",
    "project-coordinator-in-uzbekistan": "project-co-ordinator-in-uzbekistan",
    "yerevan": "office-in-yerevan", "baku": "office-in-baku",
    "minsk": "office-in-minsk", "georgia": "mission-to-georgia",
    "special-monitoring-mission-to-ukraine": "special-monitoring-mission-to-ukraine",
    "ukraine": "project-co-ordinator-in-ukraine", "croatia": "mission-to-croatia",
}

# Phrases that name an office without using its label.
SOURCE_PHRASES = [
    (re.compile(r"\belection observ", re.IGNORECASE), "odihr"),
]

# The field operation working in a host country, for a release that names
# only the country.
HOST_COUNTRY_OPERATIONS = {
    "albania": "presence-in-albania",
    "turkmenistan": "centre-in-ashgabat",
    "kazakhstan": "programme-office-in-astana",
    "kyrgyzstan": "programme-office-in-bishkek",
    "bosnia-and-herzegovina": "mission-to-bosnia-and-herzegovina",
    "tajikistan": "programme-office-in-dushanbe",
    "moldova": "mission-to-moldova",
    "montenegro": "mission-to-montenegro",
    "serbia": "mission-to-serbia",
    "north-macedonia": "mission-to-skopje",
    "uzbekistan": "project-co-ordinator-in-uzbekistan",
}

# Where an office issues its releases: the dateline of a page that has none.
SEATS = {
    "chairpersonship": None, "parliamentary-assembly": "Copenhagen",
    "odihr": "Warsaw", "hcnm": "The Hague", "fom": "Vienna",
    "secretariat": "Vienna", "asian-partners": "Vienna",
    "mediterranean-partners": "Vienna",
    "documentation-centre-prague": "Prague",
    "court-of-conciliation-and-arbitration": "Geneva",
    "presence-in-albania": "Tirana", "centre-in-ashgabat": "Ashgabat",
    "programme-office-in-astana": "Astana",
    "programme-office-in-bishkek": "Bishkek",
    "mission-to-bosnia-and-herzegovina": "Sarajevo",
    "programme-office-in-dushanbe": "Dushanbe",
    "mission-in-kosovo": "Pristina", "mission-to-moldova": "Chisinau",
    "mission-to-montenegro": "Podgorica", "mission-to-serbia": "Belgrade",
    "mission-to-skopje": "Skopje",
    "project-co-ordinator-in-uzbekistan": "Tashkent",
    "office-in-yerevan": "Yerevan", "office-in-baku": "Baku",
    "office-in-minsk": "Minsk", "mission-to-georgia": "Tbilisi",
    "special-monitoring-mission-to-ukraine": "Kyiv",
    "project-co-ordinator-in-ukraine": "Kyiv", "mission-to-croatia": "Zagreb",
    "office-in-zagreb": "Zagreb", "centre-in-almaty": "Almaty",
    "mission-to-estonia": "Tallinn", "mission-to-latvia": "Riga",
}

# Keywords for fields of work, searched in the headline and the text.
FIELD_KEYWORDS = [
    ("arms-control", r"\bweapons?\b|\barms control\b|\bsmall arms\b|\bammunition\b"),
    ("border-management", r"\bborders?\b"),
    ("combating-human-trafficking",
     r"\b(?:human|child) trafficking\b|\btrafficking in (?:human beings|persons|children)\b"
     r"|\b(?:victims of|anti-)trafficking\b|\btrafficked (?:persons|people|children|women)\b"),
    ("conflict-prevention-and-resolution", r"\bconflict (?:prevention|resolution)\b|\bmediation\b"),
    ("countering-terrorism", r"\bterroris[mt]"),
    ("cyber-ict-security", r"\bcyber|\bict security\b"),
    ("democratization", r"\bdemocratization\b|\bdemocratic institutions\b"),
    ("economic-activities", r"\beconomic\b|\bconnectivity\b"),
    ("education", r"\beducation\b"),
    ("elections", r"\belections?\b|\belectoral\b"),
    ("environmental-activities", r"\benvironment"),
    ("gender-equality", r"\bgender\b"),
    ("good-governance", r"\bgood governance\b|\bcorruption\b|\bmoney laundering\b"),
    ("human-rights", r"\bhuman rights\b"),
    ("media-freedom-and-development", r"\bmedia\b|\bjournalis[tm]"),
    ("safety-of-journalists", r"\bsafety of journalists\b|\battacks? (?:on|against) journalists\b"),
    ("migration", r"\bmigra(?:nts?|tion)\b"),
    ("national-minority-issues", r"\bnational minorit"),
    ("policing", r"\bpolice\b|\bpolicing\b"),
    ("security-sector-reform", r"\bsecurity sector\b"),
    ("roma-and-sinti", r"\broma\b|\bsinti\b"),
    ("rule-of-law", r"\brule of law\b|\bjudiciary\b|\bjudicial (?:reform|independence)\b"),
    ("tolerance-and-non-discrimination", r"\btolerance\b|\bdiscriminat"),
    ("youth", r"\byouth\b|\byoung (?:people|men|women)\b"),
]

CONTENT_TYPES = {"news": "news", "press release": "press-release",
                 "statement": "statement", "media advisory": "media-advisory"}

SMALL_WORDS = {"and", "of", "the", "on", "in", "upon", "de", "del", "la", "le"}


class ConvertError(Exception):
    """The input cannot be turned into a valid release."""


def note(msg):
    print("corpus2release: " + msg, file=sys.stderr)


def norm_label(s):
    """'OSCE Office in Yerevan (closed)' -> 'office in yerevan'."""
    s = " ".join(s.split()).casefold()
    if s.startswith("osce "):
        s = s[5:]
    if s.endswith(" (closed)"):
        s = s[:-9]
    return s.strip()


class Taxonomy:
    """The fields, sources and countries of site.xml, with their labels."""

    def __init__(self, path):
        root = ET.parse(path).getroot()
        tax = root.find("taxonomy")
        if tax is None:
            raise ConvertError("'%s' has no taxonomy" % path)
        self.terms = {}
        for group in ("fields", "sources", "countries"):
            terms = []
            for t in tax.findall(group + "/term"):
                labels = [(l.text or "").strip() for l in t.findall("label")]
                abbrs = [l.get("abbr") for l in t.findall("label") if l.get("abbr")]
                terms.append((t.get("key"), labels, abbrs))
            self.terms[group] = terms

    def keys(self, group):
        return {k for k, _, _ in self.terms[group]}

    def lookup(self, group, label):
        """Key whose label or abbreviation matches label, or None."""
        want = norm_label(label)
        for key, labels, abbrs in self.terms[group]:
            if want == key or any(norm_label(x) == want for x in labels + abbrs):
                return key
        return None

    def mentioned(self, group, text):
        """Keys whose label (any case) or abbreviation (exact case) the text
        names, in order of first mention."""
        found = []
        for key, labels, abbrs in self.terms[group]:
            pos = []
            for lab in labels:
                n = norm_label(lab)
                if len(n) < 4:
                    continue
                m = re.search(r"(?<!\w)" + re.escape(n) + r"(?!\w)", text, re.IGNORECASE)
                if m:
                    pos.append(m.start())
            for ab in abbrs:
                m = re.search(r"(?<!\w)" + re.escape(ab) + r"(?!\w)", text)
                if m:
                    pos.append(m.start())
            if pos:
                found.append((min(pos), key))
        return [k for _, k in sorted(found)]


def parse_date(day, month, year):
    try:
        d = datetime.date(int(year), MONTHS.index(month.lower()) + 1, int(day))
    except (ValueError, IndexError):
        return None
    return d.isoformat()


def title_place(s):
    """'THE HAGUE' -> 'The Hague', 'IVANO-FRANKIVSK' -> 'Ivano-Frankivsk'."""
    words = s.strip().lower().split()
    out = []
    for i, w in enumerate(words):
        if i > 0 and w in SMALL_WORDS:
            out.append(w)
        else:
            out.append("-".join(p[:1].upper() + p[1:] for p in w.split("-")))
    return " ".join(out)


def split_places(s):
    return [title_place(p) for p in s.split("/") if p.strip()]


def slugify(s):
    s = s.replace("’", "").replace("'", "")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")
    return s


def make_id(date, headline):
    slug = slugify(headline)
    if not slug:
        raise ConvertError("the headline gives no slug for the id")
    room = ID_MAX - len(date) - 1
    if len(slug) > room:
        cut = slug[:room + 1]
        slug = cut[:cut.rfind("-")] if "-" in cut else cut[:room]
        slug = slug.strip("-")
    return date + "-" + slug


# characters XML 1.0 cannot carry, even escaped
XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(s):
    """Text with its white space collapsed; refuses what XML cannot hold."""
    if not isinstance(s, str):
        s = "" if s is None else str(s)
    if XML_INVALID_RE.search(s):
        raise ConvertError("the text holds a control character XML cannot carry")
    return " ".join(s.split())


def split_dateline(first):
    """(places, date, rest) of a first paragraph that opens with a dateline,
    or (None, None, first)."""
    m = DATELINE_RE.search(first)
    if not m or m.start() > 200:
        return None, None, first
    dm = DATE_RE.fullmatch(m.group("date"))
    if not dm:
        return None, None, first
    return (split_places(m.group("places")), parse_date(*dm.groups()),
            first[m.end():])


def infer_sources(tax, data, head_text):
    url = urllib.parse.urlsplit(clean(data.get("url")))
    host = (url.hostname or "").lower()
    for h, key in URL_HOSTS.items():
        if host == h or host.endswith("." + h):
            return [key], "the address host '%s'" % host
    seg = url.path.strip("/").split("/")[0].lower() if url.path else ""
    if seg in URL_SEGMENTS:
        return [URL_SEGMENTS[seg]], "the address segment '/%s'" % seg
    keys = tax.mentioned("sources", head_text)
    if keys:
        return keys, "a label or abbreviation named in the headline or first paragraph"
    for rx, key in SOURCE_PHRASES:
        m = rx.search(head_text)
        if m:
            return [key], "the phrase '%s'" % m.group(0)
    named = [k for k in tax.mentioned("countries", data.get("headline") or "")
             if k in HOST_COUNTRY_OPERATIONS]
    if len(named) == 1:
        return ([HOST_COUNTRY_OPERATIONS[named[0]]],
                "the host country '%s' named in the headline" % named[0])
    return [], None


def infer_fields(text):
    low = text.lower()
    return [key for key, rx in FIELD_KEYWORDS if re.search(rx, low)]


def str_list(data, name):
    v = data.get(name) or []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConvertError("'%s' is not a list of strings" % name)
    return [clean(x) for x in v]


def convert(tax, data, opt_sources, opt_fields, name):
    headline = clean(data.get("headline"))
    if not headline:
        raise ConvertError("the release has no headline")
    lang = clean(data.get("lang"))
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
        raise ConvertError("the release has no usable language ('%s')" % lang)
    paras = str_list(data, "paragraphs")
    paras = [p for p in paras if p]
    if not paras:
        raise ConvertError("the release has no paragraphs")

    dl_places, dl_date, first = split_dateline(paras[0])
    first = first.strip()
    paras = ([first] if first else []) + paras[1:]
    if not paras:
        raise ConvertError("the release has nothing but a dateline")
    head_text = headline + "\n" + paras[0]

    # date
    date = clean(data.get("date"))
    if date:
        try:
            datetime.date.fromisoformat(date)
        except ValueError:
            raise ConvertError("the date '%s' is not a calendar date" % date)
    elif dl_date:
        date = dl_date
        note("date %s inferred from the dateline" % date)
    else:
        m = DATE_RE.search(paras[0])
        date = parse_date(*m.groups()) if m else None
        if not date:
            raise ConvertError("no date: the page gives none and the first paragraph names none")
        note("date %s inferred from the first paragraph" % date)

    # sources
    sources = []
    for label in str_list(data, "source"):
        key = tax.lookup("sources", label)
        if not key:
            raise ConvertError("source '%s' matches no source in site.xml" % label)
        sources.append(key)
    if not sources and opt_sources:
        sources = opt_sources
        note("sources %s given on the command line" % ", ".join(sources))
    if not sources:
        sources, why = infer_sources(tax, data, head_text)
        if not sources:
            raise ConvertError("no source: the page gives none and neither the address nor the "
                               "text names one (give --source KEY)")
        note("sources %s inferred from %s" % (", ".join(sources), why))
    sources = list(dict.fromkeys(sources))

    # fields
    fields = []
    for label in str_list(data, "fields_of_work"):
        key = tax.lookup("fields", label)
        if not key:
            raise ConvertError("field of work '%s' matches no field in site.xml" % label)
        fields.append(key)
    if not fields and opt_fields:
        fields = opt_fields
        note("fields %s given on the command line" % ", ".join(fields))
    if not fields:
        fields = infer_fields(headline + "\n" + "\n".join(paras))
        if fields:
            note("fields %s inferred from keywords" % ", ".join(fields))
        else:
            # Real releases sometimes have none; the schema allows it and
            # validate warns.  Guessing one would put the release in the
            # wrong listing.
            note("'%s': no field of work: the page gives none and no keyword in the text "
                 "points to one; <fields> is left out (give --field KEY to set one)"
                 % name)
    fields = list(dict.fromkeys(fields))

    # places
    places = []
    for p in str_list(data, "places"):
        places += split_places(p)
    if not places and dl_places:
        places = dl_places
        note("places %s inferred from the dateline" % ", ".join(places))
    if not places:
        seat = next((SEATS[k] for k in sources if SEATS.get(k)), None)
        if not seat:
            raise ConvertError("no place: the page gives none, the text has no dateline and "
                               "no source has a known seat")
        places = [seat]
        note("place %s inferred from the seat of the source" % seat)

    for group, keys in (("sources", sources), ("fields", fields)):
        unknown = [k for k in keys if k not in tax.keys(group)]
        if unknown:
            raise ConvertError("%s %s not in site.xml" % (group, ", ".join(unknown)))

    rid = make_id(date, headline)
    root = ET.Element("release", {"id": rid, XML_LANG: lang})
    ctype = CONTENT_TYPES.get(clean(data.get("content_type")).lower())
    if ctype:
        root.set("type", ctype)
    ET.SubElement(root, "headline").text = headline
    dl = ET.SubElement(root, "dateline")
    ET.SubElement(dl, "date").text = date
    for p in places:
        ET.SubElement(dl, "place").text = p
    el = ET.SubElement(root, "sources")
    for k in sources:
        ET.SubElement(el, "source", {"ref": k})
    if fields:
        el = ET.SubElement(root, "fields")
        for k in fields:
            ET.SubElement(el, "field", {"ref": k})
    body = ET.SubElement(root, "body")
    for p in paras:
        ET.SubElement(body, "p").text = p
    return rid, lang, root


def main(argv):
    ap = argparse.ArgumentParser(
        prog="corpus2release.py",
        description="Convert one corpus JSON release into a pr-publish release file.")
    ap.add_argument("--source", action="append", default=[], metavar="KEY",
                    help="source key for a page that names none")
    ap.add_argument("--field", action="append", default=[], metavar="KEY",
                    help="field key for a page that names none")
    ap.add_argument("site_xml")
    ap.add_argument("corpus_json")
    ap.add_argument("out_dir")
    args = ap.parse_args(argv)

    try:
        tax = Taxonomy(args.site_xml)
    except OSError as e:
        note("cannot read '%s': %s" % (args.site_xml, e.strerror))
        return EXIT_SYSTEM
    except (ET.ParseError, ConvertError) as e:
        note("'%s': %s" % (args.site_xml, e))
        return EXIT_INPUT
    try:
        with open(args.corpus_json, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        note("cannot read '%s': %s" % (args.corpus_json, e.strerror))
        return EXIT_SYSTEM
    except (ValueError, UnicodeDecodeError) as e:
        note("'%s': not JSON: %s" % (args.corpus_json, e))
        return EXIT_INPUT

    try:
        if not isinstance(data, dict):
            raise ConvertError("not a release object")
        rid, lang, root = convert(tax, data, args.source, args.field, args.corpus_json)
    except ConvertError as e:
        note("'%s': %s" % (args.corpus_json, e))
        return EXIT_INPUT

    ET.indent(root, space="  ")
    out = os.path.join(args.out_dir, "%s.%s.xml" % (rid, lang))
    try:
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
            # ElementTree writes "<x />"; the archive's style is "<x/>"
            f.write(ET.tostring(root, encoding="unicode").replace(" />", "/>"))
            f.write("\n")
    except OSError as e:
        note("cannot write '%s': %s" % (out, e.strerror))
        return EXIT_SYSTEM
    print(out)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
