#!/usr/bin/env python3
"""gen-archive.py - a synthetic archive of N release files for benchmarks.

usage: tools/gen-archive.py SITE.XML OUT_DIR N [SEED]

Writes OUT_DIR/releases/YYYY/<id>.<lang>.xml: N language versions in all,
about 500 words of body each (six to nine paragraphs, a subhead, a quote),
one to three fields of work, one or two sources, one or two places, dates
spread over twelve years.  About 10% of the files are in a language other
than English: translations (original-lang="en") of an English release,
sharing its id, date and taxonomy, as language versions must.  The same N
and SEED always give the same bytes.
"""
import datetime
import os
import random
import sys
import xml.etree.ElementTree as ET

WORDS = ("security co-operation participating states office mission field "
         "regional dialogue human rights democratic institutions elections "
         "observers border management training police reform media freedom "
         "journalists safety minorities languages water climate environment "
         "energy economic governance corruption transparency youth women "
         "gender equality trafficking victims assistance cyber confidence "
         "measures arms control small weapons ammunition stockpiles "
         "conflict prevention resolution mediation ceasefire monitoring "
         "report recommendations experts workshop conference seminar "
         "government ministry parliament civil society organizations local "
         "authorities capacity building support project implementation "
         "the of and to in for with on by at from that this which their "
         "new national international public practical effective common").split()
OTHER = ["fr", "de", "it", "ru", "es"]
PLACES = [("austria", "Vienna"), ("poland", "Warsaw"), ("netherlands", "The Hague"),
          ("switzerland", "Geneva"), ("finland", "Helsinki"), ("ukraine", "Kyiv"),
          ("georgia", "Tbilisi"), ("armenia", "Yerevan"), ("serbia", "Belgrade"),
          ("kazakhstan", "Astana"), ("north-macedonia", "Skopje"), ("albania", "Tirana")]


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sentence(rnd, lo=8, hi=22):
    w = [rnd.choice(WORDS) for _ in range(rnd.randint(lo, hi))]
    return w[0].capitalize() + " " + " ".join(w[1:]) + "."


def paragraph(rnd, words):
    out, n = [], 0
    while n < words:
        s = sentence(rnd)
        out.append(s)
        n += s.count(" ") + 1
    return " ".join(out), n


def keys(site, section):
    sec = site.find("taxonomy/" + section)
    return [t.get("key") for t in sec.iter("term")] if sec is not None else []


def release_xml(rid, lang, orig, date, fields, sources, places, rnd):
    head = sentence(rnd, 8, 14)[:-1]
    summ = sentence(rnd, 25, 40)
    x = ['<?xml version="1.0" encoding="UTF-8"?>\n',
         '<release id="%s" xml:lang="%s"%s>\n' % (rid, lang, ' original-lang="%s"' % orig if orig else ""),
         "  <headline>%s</headline>\n" % esc(head),
         "  <summary>%s</summary>\n" % esc(summ),
         "  <dateline>\n    <date>%s</date>\n" % date]
    for country, name in places:
        x.append('    <place country="%s">%s</place>\n' % (country, name))
    x.append("  </dateline>\n  <sources>\n")
    x += ['    <source ref="%s"/>\n' % s for s in sources]
    x.append("  </sources>\n  <fields>\n")
    x += ['    <field ref="%s"/>\n' % f for f in fields]
    x.append("  </fields>\n")
    x.append('  <people>\n    <person id="speaker">\n      <name>Alex Example</name>\n'
             "      <role>Head of Office</role>\n    </person>\n  </people>\n")
    x.append("  <body>\n")
    total, paras = 0, rnd.randint(6, 9)
    for i in range(paras):
        if i == paras // 2:
            x.append("    <subhead>%s</subhead>\n" % esc(sentence(rnd, 3, 6)[:-1]))
        text, n = paragraph(rnd, max(20, (500 - total) // (paras - i)))
        total += n
        if i == 1:
            q = sentence(rnd, 8, 14)
            text += ' The head of office said that <q by="speaker">%s</q>' % esc(q)
            x.append("    <p>%s</p>\n" % text)
        else:
            x.append("    <p>%s</p>\n" % esc(text))
    x.append("  </body>\n</release>\n")
    return "".join(x)


def main():
    site_path, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 12500)
    site = ET.parse(site_path).getroot()
    fields, sources = keys(site, "fields"), keys(site, "sources")
    start = datetime.date(2014, 1, 1)
    made = i = 0
    while made < n:
        date = (start + datetime.timedelta(days=(i * 7919) % 4380)).isoformat()
        rid = "%s-synthetic-release-%05d" % (date, i)
        fs = rnd.sample(fields, rnd.randint(1, 3))
        ss = rnd.sample(sources, rnd.randint(1, 2))
        ps = rnd.sample(PLACES, rnd.randint(1, 2))
        langs = ["en"]
        if made + 1 < n and rnd.random() < 0.11:
            langs.append(rnd.choice(OTHER))
        folder = os.path.join(out, "releases", date[:4])
        os.makedirs(folder, exist_ok=True)
        for lang in langs:
            text = release_xml(rid, lang, "en" if lang != "en" else None, date, fs, ss, ps, rnd)
            with open(os.path.join(folder, "%s.%s.xml" % (rid, lang)), "w", encoding="utf-8") as f:
                f.write(text)
            made += 1
        i += 1
    print("%d releases, %d files" % (i, made))


if __name__ == "__main__":
    main()
