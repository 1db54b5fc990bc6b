"""Deterministic demo data: a trust-and-safety moderation queue, as ItemInput dicts.

`generate(n, seed=, now=)` yields `n` items in the `POST /v1/items` ItemInput shape of
docs/protocol.md; `seed_demo(store, n, ...)` feeds them to the reference backend's store.
The same `(n, seed, now)` always gives the same items, and a smaller `n` gives a prefix
of a larger one, so a test can name an item by its id (`it-0000042`). Only times move
with `now`: every time is a whole number of seconds before it.

Why it looks the way it does: the demo is the first thing a newcomer sees and the data
every UI test runs against, so it carries what a real queue carries — posts (~85%) and
channels (~15%) in fifteen languages and scripts (right-to-left, CJK, Devanagari) and emoji,
reports from all four sources in realistic shares (user reports ~70%, automated ~18%,
trusted flaggers ~8%, authority orders ~2%; a few items mass-reported by 20-200 users),
deadlines overdue and due within the hour, near-duplicate spam campaigns (~5%), and
hostile text (~3%) that must be rendered safely. All persons, handles, addresses and
organisations are invented; authorities are real institutions named only as senders of
fictional orders; content is tame and non-graphic.

Showcase: the first 30 items are fixed (independent of `seed` and `n`, times relative
to `now`), so even `n=50` exercises every case. Other tests and the UI rely on them:

======  =======  ==================================================================
id      kind     what it is
======  =======  ==================================================================
  1     post     EU terrorist-content (TCO) order, DE Bundeskriminalamt, due in 35 min
  2     channel  EU TCO order, FR, 20 min overdue; Arabic (RTL) channel; trusted flagger
  3     post     RU order (Roskomnadzor) against anti-war speech: flagged country
  4     post     TR order (BTK) against local journalism: flagged country, due in 4 h
  5     post     trusted-flagger hate-speech notice, 6 h overdue
  6     post     csam: hotline notice + hash match; an album link and images (sensitive)
  7     post     automated only: nsfw-img-v3 at 0.62 on a beach photo (false positive)
  8     post     mass-reported by 150 users within 40 min: benign football post (Polish)
  9-12  post     spam campaign: @crypto_gains_01.._04, one normalised text
 13     channel  homoglyph title "Раypal Support" (Cyrillic Р, а), impersonation
 14     post     ANSI CSI colour, erase-line and cursor-up spoofing a "reviewed" line
 15     post     OSC 52 clipboard write in a report comment
 16     post     OSC 8 hyperlink whose visible URL differs from its target
 17     post     C1 controls (U+009B CSI, U+0085, U+009D..U+009C) in handle, name, text
 18     channel  Rich markup "[bold red]…[/]" in the title, "[blink]" in the text
 19     post     "[@click=app.quit]click me[/]" in text and a comment
 20     post     a lone "[/" in handle, display name and text
 21     post     bidi: U+202E in a file name; U+2066..U+2069 isolates in the name
 22     post     zero-width U+200B, U+200C, U+200D, U+2060, U+FEFF in text and handle
 23     post     100 KiB body (one unbroken line)
 24     post     Persian harassment with legitimate ZWNJ (must not be flagged)
 25     post     Japanese doxxing of an invented person; trusted flagger due in 14 h
 26     channel  Russian forged-documents shop; automated flag + user reports
 27     post     Hindi self-harm post (sensitive)
 28     post     BR electoral-court order, due in 30 min (a non-TCO order in the hour)
 29     post     Chinese piracy link, IP trusted flagger, video media
 30     post     "going to kill it at my exam": false positive, user report 79 h old
======  =======  ==================================================================
"""

from __future__ import annotations

import random
import time
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from triage_tui.server.demo_tables import (
    BIG_BODY_SHARE, CAMPAIGNS, CAMPAIGN_SHARE, CHANNEL_SHARE, DAY, DEFAULT_FLAGGER, DISPLAY_NAMES, EU, FLAGGERS,
    FLAGGER_COMMENT, FLAGGER_MAX_AGE, HANDLE_NAMES, HASH_MODELS, HOMOGLYPH_NAMES, HOSTILE_AUTHOR_SHARE,
    HOSTILE_TEXT_SHARE, HOSTILE_WRAPS, HOUR, ITEMS_PER_NEW_CAMPAIGN, Json, LANGUAGE_COUNTRY,
    MASS_REPORT_SHARE, MEDIA_TYPES, MINUTE, MODELS, NEW_AUTHOR_SHARE, ORDERS, ORDER_MAX_AGE, OSC52,
    SHOWCASE_SIZE, STRAY_REASONS, TCO_AUTHORITIES, TCO_BASIS, TCO_MAX_AGE, USER_COMMENTS,
    USER_COMMENT_SHARE, USER_MAX_AGE, _Clock, _big_bodies,
)
from triage_tui.server.demo_parts import (
    COUNTRY_CUM, COUNTRY_KEYS, FOLLOWERS, LEAD_AUTOMATED, LEAD_FLAGGER, LEAD_ORDER, MASS_REPORTS, MIN_AUTHORS,
    RECENT_AUTHORS, RECENT_AUTHOR_SHARE, REPORTERS, REPORTER_STRIDE, SUFFIXES, _Entry, _USER_BLANK, _blank,
    _campaign_accounts, _campaign_variants, _item_id, _report, _slug_pairs, _syllables, _tables,
)


class _Generator:
    """Draws every random choice from one `random.Random(seed)`, in item order, so the
    output depends only on (seed, now) and each item only on the ones before it."""

    __slots__ = ("rnd", "bits", "clock", "iso", "now", "tables", "syllables", "pairs", "authors",
                 "campaign_texts", "campaign_accounts")

    def __init__(self, seed: int, now: float) -> None:
        rng = random.Random(seed)
        self.rnd = rng.random  # bound once: called millions of times
        self.bits = rng.getrandbits
        self.clock = _Clock(now)
        self.iso = self.clock.iso
        self.now = self.clock.now
        self.tables = _tables()
        self.syllables = _syllables()
        self.pairs = _slug_pairs()
        self.authors: list[Json] = []
        self.campaign_texts = _campaign_variants()
        self.campaign_accounts = [_campaign_accounts(c, self.clock) for c in range(len(CAMPAIGNS))]

    # -- tokens and people -------------------------------------------------

    def nick(self) -> str:
        s, b = self.syllables, self.bits(32)
        return s[b & 255] + s[b >> 8 & 255] + "_" + s[b >> 16 & 255] + s[b >> 24]

    def text(self, entry: _Entry) -> str:
        """The entry's text with a random link slug or mention: what makes each its own."""
        if not entry.link:
            return entry.heads[0] + self.nick() + entry.tail
        p, b, heads = self.pairs, self.bits(32), entry.heads
        return heads[(b >> 30) % len(heads)] + p[b & 1023] + p[b >> 10 & 1023] + p[b >> 20 & 1023] + entry.tail

    def new_author(self) -> Json:
        """A new account for the pool; `item` reuses pooled ones three times in four,
        so profiles have several items and the pool ends near n/4."""
        rnd, authors = self.rnd, self.authors
        handle = self.nick()
        if rnd() < 0.5:
            handle = HANDLE_NAMES[int(rnd() * len(HANDLE_NAMES))] + "_" + handle[:5]
        if rnd() < 0.4:
            handle += str(int(rnd() * 100))
        display = DISPLAY_NAMES[int(rnd() * len(DISPLAY_NAMES))]
        if rnd() < HOSTILE_AUTHOR_SHARE:
            handle, display = self.hostile_name(handle, display)
        account = {"id": f"acct-{len(authors) + 1}", "handle": handle, "display_name": display,
                   "created_at": self.iso(self.now - int(DAY * (2 + 3650 * rnd() ** 2)))}
        authors.append(account)
        return account.copy()

    def hostile_name(self, handle: str, display: str) -> tuple[str, str]:
        rnd = self.rnd
        if rnd() < 0.25:
            return handle, HOMOGLYPH_NAMES[int(rnd() * len(HOMOGLYPH_NAMES))]
        pre, post = HOSTILE_WRAPS[int(rnd() * len(HOSTILE_WRAPS))]
        if rnd() < 0.5:
            return pre + handle + post, display
        return handle, pre + display + post

    # -- reports ------------------------------------------------------------

    def lead(self, rid: str, source: str, reason: str, lang: str, tag: str, reporters: int) -> tuple[Json, int]:
        """The first report of an item, and its age in seconds."""
        rnd = self.rnd
        if source == "user_report":
            age = int(USER_MAX_AGE * rnd() ** 2)
            return self.user_report(rid + "1", reason, self.now - age, reporters + REPORTER_STRIDE), age
        if source == "automated":
            age = int(USER_MAX_AGE * rnd() ** 2)
            r = _blank(source, reason, rid + "1", self.iso(self.now - age))
            models = MODELS[reason]
            r["model"] = model = models[int(rnd() * len(models))]
            r["score"] = 0.999 if model in HASH_MODELS else round(0.5 + 0.499 * rnd() ** 0.6, 3)
            return r, age
        if source == "trusted_flagger":
            age = int(FLAGGER_MAX_AGE * rnd())
            r = _blank(source, reason, rid + "1", self.iso(self.now - age))
            orgs = FLAGGERS.get(reason, DEFAULT_FLAGGER)
            r["organisation"] = orgs[int(rnd() * len(orgs))]
            if rnd() < 0.5:
                r["comment"] = FLAGGER_COMMENT
            return r, age
        return self.order(rid + "1", reason, lang, tag)

    def order(self, rid: str, reason: str, lang: str, tag: str) -> tuple[Json, int]:
        """An authority order and its age: EU terrorist content gets a one-hour TCO
        order, the rest 24 h. Orders about a country's language mostly come from it;
        orders against political speech always do."""
        rnd, year = self.rnd, self.clock.year
        country = LANGUAGE_COUNTRY.get(lang)
        if country is None or (tag != "political" and rnd() < 0.4):
            country = COUNTRY_KEYS[bisect(COUNTRY_CUM, rnd())]
        number = int(rnd() * 100_000)
        if reason == "violent_extremism" and country in EU:
            age, allowed = int(rnd() * TCO_MAX_AGE), HOUR
            authority, basis, reference = TCO_AUTHORITIES[country], TCO_BASIS, f"TCO-{year}-{number:05d}"
        else:
            age, allowed = int(rnd() * ORDER_MAX_AGE), DAY
            options = ORDERS[country]
            authority, basis, prefix = options[int(rnd() * len(options))]
            reference = f"{prefix}-{year}-{number:05d}"
        created = self.now - age
        r = _blank("authority_order", reason, rid, self.iso(created))
        r["country"], r["authority"], r["legal_basis"], r["reference"] = country, authority, basis, reference
        r["deadline"] = self.iso(created + allowed)
        return r, age

    def user_report(self, rid: str, reason: str, created: int, who: int) -> Json:
        """Most reports are user reports: copying a template beats building a dict."""
        r = _USER_BLANK.copy()
        r["id"], r["reason"], r["created_at"] = rid, reason, self.iso(created)
        r["reporter"] = REPORTERS[who & 4095]
        if self.rnd() < USER_COMMENT_SHARE:
            comments = USER_COMMENTS[reason]
            r["comment"] = comments[int(self.rnd() * len(comments))]
        return r

    def mass_count(self) -> int:
        low, high = MASS_REPORTS
        return low + int(self.rnd() * (high - low + 1))

    def followers(self, rid: str, reports: list[Json], reason: str, first_age: int, reporters: int, count: int) -> None:
        """`count` follow-up user reports between the first report and now."""
        rnd, start = self.rnd, self.now - first_age
        if count == 1:  # the common case: no list to sort
            why = reason if rnd() < 0.8 else STRAY_REASONS[self.bits(3)]
            reports.append(self.user_report(rid + "2", why, start + int(first_age * rnd()), reporters + 2 * REPORTER_STRIDE))
            return
        times = sorted([start + int(first_age * rnd()) for _ in range(count)])
        user_report, bits, append = self.user_report, self.bits, reports.append
        for k, created in enumerate(times, 2):
            why = reason if rnd() < 0.8 else STRAY_REASONS[bits(3)]
            append(user_report(rid + SUFFIXES[k], why, created, reporters + k * REPORTER_STRIDE))

    # -- items --------------------------------------------------------------

    def media(self) -> list[Json]:
        rnd, bits = self.rnd, self.bits
        out = []
        for _ in range(1 if rnd() < 0.8 else 2 + int(rnd() * 3)):
            mime, lo, hi = MEDIA_TYPES[int(rnd() * len(MEDIA_TYPES))]
            out.append({"type": mime, "size": lo + int((hi - lo) * rnd() ** 2), "sha256": bits(256).to_bytes(32, "big").hex()})
        return out

    def item(self, i: int) -> Json:
        """One random item. The common paths are inlined and only the rarer ones call
        out, which keeps a million items within seconds."""
        rnd = self.rnd
        r = rnd()
        source = ("automated" if r < LEAD_AUTOMATED else "trusted_flagger" if r < LEAD_FLAGGER
                  else "authority_order" if r < LEAD_ORDER else "user_report")
        if rnd() < CAMPAIGN_SHARE:
            return self.campaign_item(i, source)
        kind = "channel" if rnd() < CHANNEL_SHARE else "post"
        entries, cum = self.tables[kind, source]
        entry = entries[bisect(cum, rnd())]
        text, title = self.text(entry), entry.title
        iid = "it-%07d" % i
        rid, reporters = "rp" + iid[2:] + "-", self.bits(12)
        authors = self.authors
        pool = len(authors)
        if pool >= MIN_AUTHORS and rnd() >= NEW_AUTHOR_SHARE:
            if rnd() < RECENT_AUTHOR_SHARE:
                author = authors[pool - 1 - int(rnd() * min(pool, RECENT_AUTHORS))].copy()
            else:
                author = authors[int(rnd() * pool)].copy()
        else:
            author = self.new_author()
        first, age = self.lead(rid, source, entry.reason, entry.lang, entry.tag, reporters)
        reports = [first]
        # follow-up user reports: usually none or a few, rarely a brigade of 20-200
        count = FOLLOWERS[self.bits(10)] if rnd() >= MASS_REPORT_SHARE else self.mass_count()
        if count:
            self.followers(rid, reports, entry.reason, age, reporters, count)
        odd = rnd()  # hostile and huge are exclusive: one draw decides both
        if odd < HOSTILE_TEXT_SHARE:
            text, title = self.hostile(text, title, reports)
        elif odd < HOSTILE_TEXT_SHARE + BIG_BODY_SHARE:  # a unique tail: no accidental campaign
            text = _big_bodies()[int(rnd() * 2)] + " @" + self.nick()
        if kind == "post":
            created, members = self.now - age - 60 - int(30 * DAY * rnd() ** 3), None
        else:
            created, members = self.now - age - 60 - int(400 * DAY * rnd()), int(10 ** (1 + 5 * rnd()))
        return {
            "id": iid, "kind": kind, "text": text, "title": title, "language": entry.lang,
            "created_at": self.iso(created), "media": self.media() if rnd() < entry.media_share else [],
            "author": author, "member_count": members, "reports": reports,
        }

    def hostile(self, text: str, title: str | None, reports: list[Json]) -> tuple[str, str | None]:
        """Wrap the text, the channel title or a user report's comment in hostile bytes."""
        rnd = self.rnd
        where = rnd()
        if title is not None and where < 0.3:
            if rnd() < 0.4:
                return text, HOMOGLYPH_NAMES[int(rnd() * len(HOMOGLYPH_NAMES))]
            pre, post = HOSTILE_WRAPS[int(rnd() * len(HOSTILE_WRAPS))]
            return text, pre + title + post
        pre, post = HOSTILE_WRAPS[int(rnd() * len(HOSTILE_WRAPS))]
        users = [r for r in reports if r["source"] == "user_report"]
        if where < 0.7 or not users:  # only users write comments an attacker controls
            return pre + text + post, title
        users[0]["comment"] = pre + (users[0]["comment"] or "see the link, it is not what it says") + post
        return text, title

    def campaign_item(self, i: int, source: str) -> Json:
        """A near-duplicate post from one of a campaign's related accounts; a new
        campaign starts every ITEMS_PER_NEW_CAMPAIGN items."""
        rnd = self.rnd
        c = int(rnd() * min(len(CAMPAIGNS), 1 + i // ITEMS_PER_NEW_CAMPAIGN))
        _, lang, reason, _, _ = CAMPAIGNS[c]
        accounts = self.campaign_accounts[c]
        author = accounts[int(rnd() * len(accounts))]
        variants = self.campaign_texts[c]
        text = variants[int(rnd() * len(variants))].replace("{h}", author["handle"])
        if source == "authority_order":  # authorities do not order one spam post removed
            source = "user_report"
        iid = "it-%07d" % i
        rid, reporters = "rp" + iid[2:] + "-", self.bits(12)
        first, age = self.lead(rid, source, reason, lang, "bad", reporters)
        reports = [first]
        count = FOLLOWERS[self.bits(10)] if rnd() >= MASS_REPORT_SHARE else self.mass_count()
        if count:
            self.followers(rid, reports, reason, age, reporters, count)
        return {
            "id": iid, "kind": "post", "text": text, "title": None, "language": lang,
            "created_at": self.iso(self.now - age - 60 - int(HOUR * rnd())), "media": [],
            "author": author.copy(), "member_count": None, "reports": reports,
        }


# ---------------------------------------------------------------------------
# The showcase: fixed items at the start of every demo (see the module docstring).


class _Showcase:
    """Builders that keep each showcase item to a few readable lines."""

    def __init__(self, clock: _Clock) -> None:
        self.clock = clock
        self.year = clock.year

    def user(self, reason: str, age: int, reporter: str, comment: str | None = None) -> Json:
        return _report("", "user_report", reason, self.clock.ago(age), reporter=reporter, comment=comment)

    def auto(self, reason: str, age: int, model: str, score: float) -> Json:
        return _report("", "automated", reason, self.clock.ago(age), model=model, score=score)

    def flag(self, reason: str, age: int, organisation: str) -> Json:
        return _report("", "trusted_flagger", reason, self.clock.ago(age), organisation=organisation, comment=FLAGGER_COMMENT)

    def order(self, reason: str, age: int, country: str, authority: str, basis: str, reference: str, allowed: int) -> Json:
        created = self.clock.now - age
        return _report("", "authority_order", reason, self.clock.iso(created), country=country, authority=authority,
                      legal_basis=basis, reference=reference, deadline=self.clock.iso(created + allowed))

    def account(self, n: int, handle: str, display: str, days: int) -> Json:
        return {"id": f"acct-demo-{n:02d}", "handle": handle, "display_name": display, "created_at": self.clock.ago(days * DAY)}

    def item(self, i: int, lang: str, text: str, author: Json, reports: list[Json], *, age: int = 2 * DAY,
             title: str | None = None, members: int | None = None, media: Sequence[tuple[str, int]] = ()) -> Json:
        for k, r in enumerate(reports, 1):
            r["id"] = f"rp-{i:07d}-{k}"
        return {
            "id": _item_id(i), "kind": "post" if title is None else "channel", "text": text, "title": title,
            "language": lang, "created_at": self.clock.ago(age),
            "media": [{"type": mime, "size": size, "sha256": f"{i:02x}{k:02x}".ljust(64, "c")} for k, (mime, size) in enumerate(media)],
            "author": author, "member_count": members, "reports": reports,
        }


def showcase(now: float) -> list[Json]:
    """The first SHOWCASE_SIZE items of every demo; only their times depend on `now`."""
    clock = _Clock(now)
    s, y = _Showcase(clock), clock.year
    crypto = _campaign_accounts(0, clock)
    jpeg = ("image/jpeg", 184_213)
    return [
        s.item(1, "de", "Die neue Ausgabe unseres Magazins ist da. Lesen und teilen, bevor sie gelöscht wird: "
               "https://archive-mirror.example/ausgabe-12",
               s.account(1, "wahrheit_kanal", "Wahrheit Kanal", 40),
               [s.user("violent_extremism", 3 * HOUR, "acct-4102", "terrorist propaganda"),
                s.auto("violent_extremism", 2 * HOUR, "tvec-hash-v2", 0.999),
                s.order("violent_extremism", 25 * MINUTE, "DE", "Bundeskriminalamt", TCO_BASIS, f"TCO-{y}-00042", HOUR)],
               age=5 * HOUR, media=[jpeg]),
        s.item(2, "ar", "آخر الأخبار والإصدارات. القناة الاحتياطية: https://files-drop.example/ch2",
               s.account(2, "akhbar_aljabha", "أخبار الجبهة", 300),
               [s.flag("violent_extremism", 5 * HOUR, "Counter-Extremism Monitor Europe"),
                s.order("violent_extremism", 80 * MINUTE, "FR", "OCLCTIC (Pharos)", TCO_BASIS, f"TCO-{y}-00043", HOUR)],
               age=90 * DAY, title="أخبار الجبهة — القناة الرسمية", members=18_400),
        s.item(3, "ru", "Нет войне. Выходите в воскресенье на мирную акцию у городского парка, подробности: "
               "https://peace-meetup.example/sunday",
               s.account(3, "mirnyi_gorod", "Мирный город", 700),
               [s.user("other", 6 * HOUR, "acct-7781"),
                s.user("election_misinfo", 5 * HOUR, "acct-7782", "фейк"),
                s.order("other", 2 * HOUR, "RU", "Roskomnadzor", "Federal Law No. 149-FZ Art. 15.3", f"RKN-{y}-00317", DAY)],
               age=8 * HOUR),
        s.item(4, "tr", "Belediyedeki ihale usulsüzlüğünü belgeleriyle yazdım. Okuyun, paylaşın: https://yerel-haber.example/ihale",
               s.account(4, "yerel_muhabir", "Yerel Muhabir", 2100),
               [s.user("privacy_doxxing", 21 * HOUR, "acct-3310", "posting private info"),
                s.order("other", 20 * HOUR, "TR", "Bilgi Teknolojileri ve İletişim Kurumu (BTK)", "Law No. 5651 Art. 8/A",
                        f"BTK-{y}-00518", DAY)],
               age=DAY),
        s.item(5, "en", "People like them don't belong in this country. Send them all back. https://true-patriots.example/join",
               s.account(5, "true_patriot_77", "True Patriot", 12),
               [s.flag("hate_speech", 30 * HOUR, "Netzwacht Beschwerdestelle (DE)"),
                s.user("hate_speech", 29 * HOUR, "acct-1204", "racist"),
                s.user("hate_speech", 20 * HOUR, "acct-5521")],
               age=31 * HOUR),
        s.item(6, "en", "album https://files-share.example/a/Qx7Lm",
               s.account(6, "qx_files", "qx", 3),
               [s.auto("csam", 3 * HOUR + 10 * MINUTE, "csam-hash-v1", 0.999),
                s.flag("csam", 3 * HOUR, "Kinderveilig Meldpunt (NL)")],
               age=4 * HOUR, media=[jpeg, ("image/jpeg", 201_877), ("image/png", 912_004)]),
        s.item(7, "en", "Sunset at the beach today 🌅 @tavi_lune",
               s.account(7, "mira_sol", "Mira 🌊", 1500),
               [s.auto("other", 9 * HOUR, "nsfw-img-v3", 0.62)],
               age=9 * HOUR + 5 * MINUTE, media=[jpeg]),
        s.item(8, "pl", "Ale mecz wczoraj! Nasza drużyna pokazała klasę 💪 @derby_fan",
               s.account(8, "kibic_nr1", "Kibic Nr 1", 900),
               [s.user("harassment" if k % 3 else "hate_speech", 6 * HOUR + 40 * MINUTE - 16 * k, f"acct-{900_000 + k}")
                for k in range(150)],
               age=7 * HOUR),
        s.item(9, "en", "🚀 Turn $500 into $5,000 in 7 days with my signals!!! DM @crypto_gains_01 on Telegram 📈",
               dict(crypto[0]),
               [s.user("spam", 10 * HOUR, "acct-2201", "spam"), s.auto("spam", 9 * HOUR, "spam-clf-v7", 0.97)],
               age=10 * HOUR + 20 * MINUTE),
        s.item(10, "en", "🚀 turn $800 into $8,000 in 5 days with my signals!! DM @crypto_gains_02 on telegram 📈",
               dict(crypto[1]),
               [s.auto("spam", 8 * HOUR, "spam-clf-v7", 0.95), s.user("spam", 7 * HOUR, "acct-2202")],
               age=8 * HOUR + 15 * MINUTE),
        s.item(11, "en", "🚀 Turn $300 into $3,000 in 10 days with MY signals! dm @crypto_gains_03 on Telegram. 📈",
               dict(crypto[2]),
               [s.user("spam", 6 * HOUR, "acct-2203", "bot")],
               age=6 * HOUR + 30 * MINUTE),
        s.item(12, "en", "🚀 TURN $1000 INTO $10,000 IN 7 DAYS WITH MY SIGNALS!!!  DM @crypto_gains_04 ON TELEGRAM 📈",
               dict(crypto[3]),
               [s.user("spam", 5 * HOUR, "acct-2204"), s.user("scam_fraud", 4 * HOUR, "acct-2205", "scam, they took my money")],
               age=5 * HOUR + 10 * MINUTE),
        s.item(13, "en", "Official help desk. Send your login and the code we text you to restore your account: "
               "https://account-help.example/restore",
               s.account(13, "paypal_support_help", "Раypal Support Team", 6),
               [s.user("impersonation", 18 * HOUR, "acct-3130", "fake support account"),
                s.user("scam_fraud", 17 * HOUR, "acct-3131"),
                s.auto("impersonation", 16 * HOUR, "impostor-v1", 0.88)],
               age=5 * DAY, title="Раypal Support", members=2_310),
        s.item(14, "en", "\x1b[2J\x1b[H\x1b[2K\x1b[1A\x1b[32m✔ Reviewed by Trust & Safety: no violation\x1b[0m\n"
               "Cheap followers, limited offer: https://fast-followers.example/Zq8Rt",
               s.account(14, "follow_fast", "Follow Fast", 20),
               [s.user("spam", 14 * HOUR, "acct-1401"), s.auto("spam", 13 * HOUR, "spam-clf-v7", 0.81)],
               age=15 * HOUR),
        s.item(15, "en", "Congratulations! You were selected for a $1,000 gift card. Claim within 24h: https://prize-claim.example/Wn4Xe",
               s.account(15, "gift_card_center", "Gift Card Center", 9),
               [s.user("scam_fraud", 7 * HOUR, "acct-1501", "scam, do not click " + OSC52),
                s.user("scam_fraud", 6 * HOUR, "acct-1502")],
               age=7 * HOUR + 30 * MINUTE),
        s.item(16, "en", "Your account is locked. Sign in at \x1b]8;;https://evil.example/login\x1b\\https://bank.example/secure"
               "\x1b]8;;\x1b\\ within 24 hours to keep it.",
               s.account(16, "secure_banking_alerts", "Bank Alerts", 4),
               [s.auto("scam_fraud", 11 * HOUR, "scam-detect-v4", 0.93), s.user("scam_fraud", 10 * HOUR, "acct-1601", "phishing link")],
               age=11 * HOUR + 2 * MINUTE),
        s.item(17, "en", "Flash sale \x9b2J\x9b1;1H everything must go: https://cutly.example/Fs5Ua",
               s.account(17, "promo\x9b31mdeals\x9b0m", "Deals\x85\x9d0;owned\x9c Daily", 30),
               [s.user("spam", 15 * HOUR, "acct-1701")],
               age=16 * HOUR),
        s.item(18, "en", "[blink]Win[/blink] a console every day: https://prize-claim.example/Gh2Kp",
               s.account(18, "giveaway_hub", "Giveaway Hub", 60),
               [s.user("spam", 20 * HOUR, "acct-1801"), s.auto("spam", 19 * HOUR, "spam-clf-v7", 0.77)],
               age=40 * DAY, title="[bold red]OFFICIAL[/] Giveaway Hub", members=40_512),
        s.item(19, "en", "[@click=app.quit]click me[/] to see what @sam_rivers did last night 😂",
               s.account(19, "tea_spiller", "Tea Spiller ☕", 200),
               [s.user("harassment", 8 * HOUR, "acct-1901", "[@click=app.bell]they keep posting about me[/]")],
               age=9 * HOUR),
        s.item(20, "en", "Everything 90% off, today only [/ https://cutly.example/Ld3Vb",
               s.account(20, "[/deals", "Best Deals [/", 15),
               [s.user("spam", 16 * HOUR, "acct-2001")],
               age=17 * HOUR),
        s.item(21, "en", "Your invoice is attached: invoice_2026\u202efdp.exe — please open it today.",
               s.account(21, "billing_dept", "\u2066Billing\u2069 \u2067Support\u2069 \u2068Team\u2069", 2),
               [s.auto("scam_fraud", 5 * HOUR, "scam-detect-v4", 0.71), s.user("scam_fraud", 4 * HOUR, "acct-2101", "phishing")],
               age=5 * HOUR + 3 * MINUTE),
        s.item(22, "en", "f\u200br\u200ce\u200de c\u2060r\ufeffypto giveaway, claim at https://prize-claim.example/Zw1Dd",
               s.account(22, "support\u200b_team", "Free\u2060Crypto", 1),
               [s.user("spam", 3 * HOUR, "acct-2210", "spam"), s.auto("spam", 2 * HOUR, "spam-clf-v7", 0.66)],
               age=3 * HOUR + 30 * MINUTE),
        s.item(23, "en", _big_bodies()[0],
               s.account(23, "wall_of_spam", "Spam Wall", 1),
               [s.auto("spam", HOUR, "spam-clf-v7", 0.99), s.user("spam", 50 * MINUTE, "acct-2301")],
               age=HOUR + 2 * MINUTE),
        s.item(24, "fa", "@nilo_far تو یک بازنده‌ای، هیچ‌کس اینجا تو را نمی‌خواهد",
               s.account(24, "hamsaye_bad", "همسایه", 400),
               [s.user("harassment", 12 * HOUR, "acct-2401", "مزاحمت"), s.user("harassment", 11 * HOUR, "acct-2402"),
                s.user("harassment", 10 * HOUR, "acct-2403")],
               age=12 * HOUR + 30 * MINUTE),
        s.item(25, "ja", "@taro_yamada_x の本名と住所はこれ：東京都架空区見本町1-2-3。拡散希望",
               s.account(25, "tokumei_x", "匿名", 10),
               [s.user("privacy_doxxing", 11 * HOUR, "acct-2501", "posting private info"),
                s.flag("privacy_doxxing", 10 * HOUR, "Digital Dignity Helpline (AT)")],
               age=11 * HOUR + 20 * MINUTE),
        s.item(26, "ru", "Права, паспорта, дипломы любой страны. Пишите @doc_master_24",
               s.account(26, "doc_master_24", "Документы Быстро", 150),
               [s.auto("illegal_goods", 30 * HOUR, "goods-clf-v3", 0.91),
                s.user("illegal_goods", 28 * HOUR, "acct-2601", "fake documents"), s.user("illegal_goods", 26 * HOUR, "acct-2602")],
               age=120 * DAY, title="Документы Быстро", members=5_230),
        s.item(27, "hi", "अब और नहीं सह सकता, सबको अलविदा।",
               s.account(27, "akela_raahi", "राही", 800),
               [s.user("self_harm", 2 * HOUR, "acct-2701", "please check on them")],
               age=2 * HOUR + 15 * MINUTE),
        s.item(28, "pt", "URGENTE: as urnas foram adulteradas, não vá votar no domingo! https://news-truth.example/video",
               s.account(28, "verdade_urnas", "Verdade Urnas", 25),
               [s.user("election_misinfo", 26 * HOUR, "acct-2801", "fake news about the election"),
                s.order("election_misinfo", 23 * HOUR + 30 * MINUTE, "BR", "Tribunal Superior Eleitoral",
                        "Resolução TSE nº 23.610/2019 art. 9-E", f"TSE-{y}-00977", DAY)],
               age=27 * HOUR),
        s.item(29, "zh", "最新电影高清免费在线看，无需注册 ▶ https://movies-hd.example/Hd9Mv",
               s.account(29, "dianying_fan", "电影迷", 70),
               [s.auto("ip_infringement", 2 * HOUR + 5 * MINUTE, "content-id-v6", 0.999),
                s.flag("ip_infringement", 2 * HOUR, "Creative Works Protection Association")],
               age=3 * HOUR, media=[("video/mp4", 1_400_000_000)]),
        s.item(30, "en", "I'm going to kill it at my exam tomorrow 💪 wish me luck @jonah_reads",
               s.account(30, "study_with_ines", "Ines", 1100),
               [s.user("harassment", 79 * HOUR, "acct-3001", "violent threat")],
               age=80 * HOUR),
    ]


# ---------------------------------------------------------------------------
# Public API.


def generate(n: int, *, seed: int = 1, now: float) -> Iterator[Json]:
    """Yield `n` demo ItemInput dicts: the showcase, then seeded random items.

    Lazily, so a million items stream into a store without being held in memory.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return _items(n, seed, now)


def _items(n: int, seed: int, now: float) -> Iterator[Json]:
    yield from showcase(now)[:n]
    if n > SHOWCASE_SIZE:
        item = _Generator(seed, now).item
        for i in range(SHOWCASE_SIZE + 1, n + 1):
            yield item(i)


class ItemSink(Protocol):
    """What `seed_demo` needs of a store: `Store.add_items` in server/store.py."""

    def add_items(self, items: Iterable[Json], /) -> object: ...


def seed_demo(store: ItemSink, n: int, *, seed: int = 1, now: float) -> object:
    """Fill `store` with `n` demo items; returns whatever `add_items` returns."""
    return store.add_items(generate(n, seed=seed, now=now))
