"""The bot's own words, in English and German. Quoted passages are never translated."""

from __future__ import annotations

EXAMPLE_QUESTION = {"en": "When is the Budapest meeting?", "de": "Wann ist das Treffen in Budapest?"}

_TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "en": "Hi! I answer questions about the news from the articles I have indexed, "
        "and show the passages and sources I answered from.\nTry: <i>{example}</i>",
        "de": "Hallo! Ich beantworte Fragen zu den Nachrichten aus den Artikeln, die ich indexiert habe, "
        "und zeige die Stellen und Quellen, aus denen die Antwort stammt.\nZum Beispiel: <i>{example}</i>",
    },
    "help": {
        "en": "<b>How to ask</b>\nIn a private chat, just write your question. In a group, mention me "
        "(<code>@{username} your question</code>), reply to one of my messages, or use /ask.\n\n"
        "<b>Commands</b>\n/ask QUESTION – answer a question with sources\n"
        "/subscribe TOPIC – new articles on a topic are posted here (add <code>daily 08:00</code> for a digest)\n"
        "/subscriptions – the topics followed here\n/unsubscribe NUMBER – stop one\n"
        "/watch QUESTION – answered now, posted again only when the answer changes\n/watches – the watched questions\n"
        "/unwatch NUMBER – stop one\n"
        "/new – forget our conversation and my recent answers here\n/start – what I do\n/help – this help",
        "de": "<b>So fragen Sie</b>\nIm privaten Chat einfach die Frage schreiben. In einer Gruppe mich erwähnen "
        "(<code>@{username} Ihre Frage</code>), auf eine meiner Nachrichten antworten oder /ask verwenden.\n\n"
        "<b>Befehle</b>\n/ask FRAGE – eine Frage mit Quellen beantworten\n"
        "/subscribe THEMA – neue Artikel zu einem Thema kommen hierher (mit <code>daily 08:00</code> als Tagesüberblick)\n"
        "/subscriptions – die Themen dieses Chats\n/unsubscribe NUMMER – eines beenden\n"
        "/watch FRAGE – jetzt beantwortet, wieder gemeldet nur wenn sich die Antwort ändert\n"
        "/watches – die beobachteten Fragen\n/unwatch NUMMER – eine beenden\n"
        "/new – unser Gespräch und meine letzten Antworten hier vergessen\n/start – was ich tue\n/help – diese Hilfe",
    },
    "help_admin": {
        "en": "<b>Admin commands</b>\n/reindex – rebuild the index from the sources (answers go on meanwhile)\n"
        "/stats – index size, model, questions today\n/sources – indexed sources\n"
        "/ingest URL – add an article or a feed now\n/forget SOURCE – remove a source\n"
        "/feeds – the polled feeds; /feed add URL, /feed remove N; /feeds opml (send an .opml file to import)",
        "de": "<b>Admin-Befehle</b>\n/reindex – Index aus den Quellen neu aufbauen (Antworten laufen weiter)\n"
        "/stats – Indexgröße, Modell, Fragen heute\n/sources – indexierte Quellen\n"
        "/ingest URL – einen Artikel oder Feed sofort aufnehmen\n/forget QUELLE – eine Quelle entfernen\n"
        "/feeds – die gelesenen Feeds; /feed add URL, /feed remove N; /feeds opml (.opml-Datei schicken zum Import)",
    },
    "answer": {"en": "Answer", "de": "Antwort"},
    "sources": {"en": "Sources", "de": "Quellen"},
    "paragraph": {"en": "paragraph", "de": "Absatz"},
    "not_found": {
        "en": "I found no relevant passage in the indexed articles. Try other words, or ask about another topic.",
        "de": "In den indexierten Artikeln habe ich keine passende Stelle gefunden. "
        "Versuchen Sie andere Worte oder ein anderes Thema.",
    },
    "empty_question": {
        "en": "Please ask a question, for example: <i>{example}</i>",
        "de": "Bitte stellen Sie eine Frage, zum Beispiel: <i>{example}</i>",
    },
    "too_long": {
        "en": "That question is too long ({length} characters, at most {limit}). Please shorten it.",
        "de": "Die Frage ist zu lang ({length} Zeichen, höchstens {limit}). Bitte kürzen Sie sie.",
    },
    "no_words": {
        "en": "I need words to search for. Ask something like: <i>{example}</i>",
        "de": "Ich brauche Wörter, nach denen ich suchen kann. Fragen Sie etwa: <i>{example}</i>",
    },
    "index_empty": {
        "en": "The index is not ready yet: no articles have been indexed. An admin needs to add some.",
        "de": "Der Index ist noch nicht bereit: Es wurden noch keine Artikel indexiert. "
        "Ein Admin muss welche hinzufügen.",
    },
    "unavailable": {
        "en": "The article index is temporarily unavailable. Please try again in a minute.",
        "de": "Der Artikelindex ist vorübergehend nicht erreichbar. Bitte versuchen Sie es in einer Minute erneut.",
    },
    "needs_reindex": {
        "en": "The index was built with another embedding model. An admin needs to reindex.",
        "de": "Der Index wurde mit einem anderen Embedding-Modell erstellt. Ein Admin muss neu indexieren.",
    },
    "failed": {
        "en": "Something went wrong while answering. Please try again.",
        "de": "Beim Beantworten ist etwas schiefgegangen. Bitte versuchen Sie es erneut.",
    },
    "unknown_command": {
        "en": "I don't know that command.",
        "de": "Diesen Befehl kenne ich nicht.",
    },
    "more": {"en": "More passages", "de": "Weitere Stellen"},
    "context": {"en": "Context ¶{paragraph}", "de": "Kontext ¶{paragraph}"},
    "open": {"en": "Open source", "de": "Quelle öffnen"},
    "expired": {
        "en": "That answer is too old to expand. Please ask again.",
        "de": "Diese Antwort ist zu alt zum Erweitern. Bitte fragen Sie erneut.",
    },
    "no_more": {"en": "No further passages.", "de": "Keine weiteren Stellen."},
    "more_passages": {"en": "More passages for", "de": "Weitere Stellen zu"},
    "context_title": {"en": "Context", "de": "Kontext"},
    "gone": {
        "en": "That passage is no longer in the index.",
        "de": "Diese Stelle ist nicht mehr im Index.",
    },
    "not_admin": {
        "en": "Sorry, only the bot's admins may use /{command}. You can ask questions as usual.",
        "de": "Entschuldigung, /{command} dürfen nur die Admins des Bots verwenden. Fragen können Sie wie gewohnt stellen.",
    },
    "reindex_started": {
        "en": "Rebuilding the index from {sources}. Questions are answered from the current index until it is done.",
        "de": "Der Index wird aus {sources} neu aufgebaut. Bis dahin antworte ich aus dem bisherigen Index.",
    },
    "reindex_running": {
        "en": "A reindex is already running.\n{progress}",
        "de": "Eine Neuindexierung läuft bereits.\n{progress}",
    },
    "reindex_elsewhere": {
        "en": "Another Newsbot process is rebuilding the index right now. Try again when it is done.",
        "de": "Ein anderer Newsbot-Prozess baut den Index gerade neu auf. Bitte versuchen Sie es danach erneut.",
    },
    "reindex_reading": {
        "en": "<b>Reindex</b>: reading sources… {sources} read, {articles} articles so far ({elapsed})",
        "de": "<b>Neuindexierung</b>: lese Quellen… {sources} gelesen, bisher {articles} Artikel ({elapsed})",
    },
    "reindex_embedding": {
        "en": "<b>Reindex</b>: {articles} articles, {done}/{total} paragraphs ({percent} %), "
        "{rate} paragraphs/s, about {left} left",
        "de": "<b>Neuindexierung</b>: {articles} Artikel, {done}/{total} Absätze ({percent} %), "
        "{rate} Absätze/s, noch etwa {left}",
    },
    "reindex_switching": {
        "en": "<b>Reindex</b>: all {total} paragraphs embedded; switching to the new index…",
        "de": "<b>Neuindexierung</b>: alle {total} Absätze eingebettet; wechsle zum neuen Index…",
    },
    "reindex_done": {
        "en": "<b>Reindex done</b>: {articles} articles, {paragraphs} paragraphs in {duration}. "
        "The new index answers now.",
        "de": "<b>Neuindexierung fertig</b>: {articles} Artikel, {paragraphs} Absätze in {duration}. "
        "Ab jetzt antwortet der neue Index.",
    },
    "reindex_errors": {
        "en": "{count} source(s) or record(s) skipped:",
        "de": "{count} Quelle(n) oder Einträge übersprungen:",
    },
    "ingest_warnings": {
        "en": "{count} note(s) on what was indexed:",
        "de": "{count} Hinweis(e) zum Indexierten:",
    },
    "reindex_failed": {
        "en": "<b>Reindex failed</b>: {reason}\nThe previous index keeps answering.",
        "de": "<b>Neuindexierung fehlgeschlagen</b>: {reason}\nDer bisherige Index antwortet weiter.",
    },
    "model_changed": {
        "en": "The index was built with <code>{built}</code>, but NEWSBOT_EMBEDDING_MODEL is <code>{configured}</code>. "
        "Questions are answered with the old model until you /reindex.",
        "de": "Der Index wurde mit <code>{built}</code> erstellt, NEWSBOT_EMBEDDING_MODEL ist aber <code>{configured}</code>. "
        "Bis zu /reindex antworte ich mit dem alten Modell.",
    },
    "ingest_usage": {
        "en": "Usage: /ingest URL (an article or an RSS/Atom feed)",
        "de": "Verwendung: /ingest URL (ein Artikel oder ein RSS/Atom-Feed)",
    },
    "ingest_started": {"en": "Reading {source}…", "de": "Lese {source}…"},
    "ingest_done": {
        "en": "Indexed {articles} article(s) from {source}: {added} paragraph(s) added, {unchanged} unchanged.",
        "de": "{articles} Artikel aus {source} indexiert: {added} Absätze neu, {unchanged} unverändert.",
    },
    "ingest_nothing": {
        "en": "Nothing could be indexed from {source}: {reason}",
        "de": "Aus {source} konnte nichts indexiert werden: {reason}",
    },
    "forget_usage": {
        "en": "Usage: /forget SOURCE (as /sources lists it, or an article's URL)",
        "de": "Verwendung: /forget QUELLE (wie /sources sie zeigt, oder die URL eines Artikels)",
    },
    "forget_done": {
        "en": "Removed {count} paragraph(s) from {source}.",
        "de": "{count} Absätze aus {source} entfernt.",
    },
    "forget_none": {
        "en": "Nothing in the index comes from {source}. See /sources.",
        "de": "Nichts im Index stammt aus {source}. Siehe /sources.",
    },
    "sources_title": {"en": "Indexed sources", "de": "Indexierte Quellen"},
    "sources_line": {
        "en": "{articles} articles, {paragraphs} paragraphs, newest article {newest}, last indexed {last}",
        "de": "{articles} Artikel, {paragraphs} Absätze, neuester Artikel {newest}, zuletzt indexiert {last}",
    },
    "stats_newest": {"en": "<b>Newest article per source</b>", "de": "<b>Neuester Artikel je Quelle</b>"},
    "undated": {"en": "undated", "de": "ohne Datum"},
    "stats": {
        "en": "<b>Index</b>\nArticles: {articles}\nParagraphs: {paragraphs}\nSources: {sources}\n"
        "Model: <code>{model}</code>\nRanked by: {signals}\nBuilt: {built} ({build_seconds})\n\n<b>Questions</b>\n"
        "Answered today: {today}\nMedian answer time today: {median}",
        "de": "<b>Index</b>\nArtikel: {articles}\nAbsätze: {paragraphs}\nQuellen: {sources}\n"
        "Modell: <code>{model}</code>\nRangfolge nach: {signals}\nErstellt: {built} ({build_seconds})\n\n<b>Fragen</b>\n"
        "Heute beantwortet: {today}\nMittlere Antwortzeit heute: {median}",
    },
    "subscribe_usage": {
        "en": "Usage: /subscribe TOPIC [-word] [+word] [daily HH:MM [Area/City]]\n"
        "For example: <code>/subscribe Ukraine peace talks -sport</code> or "
        "<code>/subscribe Zölle daily 08:00</code>. For a channel, in a private chat with me: "
        "<code>/subscribe @channel TOPIC</code>.",
        "de": "Verwendung: /subscribe THEMA [-wort] [+wort] [daily HH:MM [Gebiet/Stadt]]\n"
        "Zum Beispiel: <code>/subscribe Friedensgespräche Ukraine -sport</code> oder "
        "<code>/subscribe Zölle daily 08:00</code>. Für einen Kanal im privaten Chat mit mir: "
        "<code>/subscribe @kanal THEMA</code>.",
    },
    "subscribe_problem": {"en": "I could not subscribe: {reason}.", "de": "Das Abo ging nicht: {reason}."},
    "this_chat": {"en": "this chat", "de": "Dieser Chat"},
    "instant": {"en": "new articles are posted as they come", "de": "neue Artikel kommen sofort"},
    "digest": {"en": "a daily digest at {time} ({zone})", "de": "täglich gesammelt um {time} ({zone})"},
    "filters": {"en": " Must mention: {include}. Never: {exclude}.", "de": " Muss enthalten: {include}. Nie: {exclude}."},
    "group_admins_only": {
        "en": "Only the group's admins can change its subscriptions.",
        "de": "Nur die Admins der Gruppe können ihre Abos ändern.",
    },
    "channel_in_private": {
        "en": "Manage a channel's subscriptions in a private chat with me: <code>/subscribe @channel TOPIC</code>.",
        "de": "Die Abos eines Kanals verwalten Sie im privaten Chat mit mir: <code>/subscribe @kanal THEMA</code>.",
    },
    "channel_unknown": {
        "en": "I cannot see {channel}. Add me to the channel as an administrator who may post messages, then try again.",
        "de": "Ich sehe {channel} nicht. Fügen Sie mich dem Kanal als Administrator mit dem Recht „Nachrichten senden“ hinzu "
        "und versuchen Sie es erneut.",
    },
    "not_channel_admin": {
        "en": "Only administrators of {channel} can manage its subscriptions, and you are not one.",
        "de": "Nur Administratoren von {channel} können dessen Abos verwalten, und Sie sind keiner.",
    },
    "bot_cannot_post": {
        "en": "I am not allowed to post in {channel}. Make me an administrator with the right to post messages, "
        "then try again.",
        "de": "Ich darf in {channel} nicht posten. Machen Sie mich zum Administrator mit dem Recht „Nachrichten senden“ "
        "und versuchen Sie es erneut.",
    },
    "no_subscriptions": {
        "en": "{chat} follows no topics. Start with /subscribe TOPIC.",
        "de": "{chat} folgt keinen Themen. Beginnen Sie mit /subscribe THEMA.",
    },
    "subscriptions_title": {"en": "Topics {chat} follows", "de": "Themen, denen {chat} folgt"},
    "unsubscribe_button": {"en": "Unsubscribe #{id}", "de": "Abo #{id} beenden"},
    "unsubscribed": {"en": "Unsubscribed #{id} ({topic}).", "de": "Abo #{id} ({topic}) beendet."},
    "unsubscribe_unknown": {
        "en": "There is no subscription #{id} here. /subscriptions lists them.",
        "de": "Hier gibt es kein Abo #{id}. /subscriptions zeigt alle.",
    },
    "unsubscribe_usage": {
        "en": "Usage: /unsubscribe NUMBER (as /subscriptions shows it), or /unsubscribe all",
        "de": "Verwendung: /unsubscribe NUMMER (wie /subscriptions sie zeigt) oder /unsubscribe all",
    },
    "unsubscribed_all": {"en": "Ended {count} subscription(s).", "de": "{count} Abo(s) beendet."},
    "new_article": {"en": "New on “{topic}”", "de": "Neu zu „{topic}“"},
    "story_update": {"en": "Update on “{topic}”", "de": "Neues zu „{topic}“"},
    "new_facts": {"en": "New in this report: {facts}", "de": "Neu in diesem Bericht: {facts}"},
    "digest_title": {"en": "Your daily digest on “{topic}”", "de": "Ihr Tagesüberblick zu „{topic}“"},
    "subscriptions_stat": {"en": "Subscriptions: {count}", "de": "Abos: {count}"},
    "cmd_subscribe": {"en": "Follow a topic: new articles are posted here", "de": "Einem Thema folgen"},
    "cmd_subscriptions": {"en": "Topics this chat follows", "de": "Themen dieses Chats"},
    "cmd_unsubscribe": {"en": "Stop following a topic", "de": "Einem Thema nicht mehr folgen"},
    "watch_usage": {
        "en": "Usage: /watch QUESTION – I answer now and post here again only when the answer changes.\n"
        "For example: <code>/watch When is the Budapest summit?</code> For a channel, in a private chat with me: "
        "<code>/watch @channel QUESTION</code>.",
        "de": "Verwendung: /watch FRAGE – ich antworte jetzt und melde mich hier nur wieder, wenn sich die Antwort ändert.\n"
        "Zum Beispiel: <code>/watch Wann ist der Gipfel in Budapest?</code> Für einen Kanal im privaten Chat mit mir: "
        "<code>/watch @kanal FRAGE</code>.",
    },
    "watching": {
        "en": "👁 {chat} watches #{id}: I will post there when this answer changes. /watches lists them.",
        "de": "👁 {chat} beobachtet #{id}: Ich melde mich dort, wenn sich diese Antwort ändert. /watches zeigt alle.",
    },
    "watching_unanswered": {
        "en": "👁 {chat} watches #{id}: there is no answer yet; I will post there when one appears. /watches lists them.",
        "de": "👁 {chat} beobachtet #{id}: Noch gibt es keine Antwort; ich melde mich dort, sobald es eine gibt. "
        "/watches zeigt alle.",
    },
    "watch_small_talk": {
        "en": "That is not a question the news can answer, so I cannot watch it. Ask something like: <i>{example}</i>",
        "de": "Diese Frage können die Nachrichten nicht beantworten, also kann ich sie nicht beobachten. "
        "Fragen Sie etwa: <i>{example}</i>",
    },
    "watch_problem": {"en": "I could not watch that question: {reason}.", "de": "Das Beobachten ging nicht: {reason}."},
    "no_watches": {
        "en": "{chat} watches no questions. Start with /watch QUESTION.",
        "de": "{chat} beobachtet keine Fragen. Beginnen Sie mit /watch FRAGE.",
    },
    "watches_title": {"en": "Questions {chat} watches", "de": "Fragen, die {chat} beobachtet"},
    "no_answer_yet": {"en": "no answer yet", "de": "noch keine Antwort"},
    "unwatch_button": {"en": "Unwatch #{id}", "de": "#{id} nicht mehr beobachten"},
    "unwatched": {"en": "Stopped watching #{id} ({question}).", "de": "#{id} ({question}) wird nicht mehr beobachtet."},
    "unwatch_unknown": {
        "en": "There is no watched question #{id} here. /watches lists them.",
        "de": "Hier gibt es keine beobachtete Frage #{id}. /watches zeigt alle.",
    },
    "unwatch_usage": {
        "en": "Usage: /unwatch NUMBER (as /watches shows it), or /unwatch all",
        "de": "Verwendung: /unwatch NUMMER (wie /watches sie zeigt) oder /unwatch all",
    },
    "unwatched_all": {"en": "Stopped watching {count} question(s).", "de": "{count} Frage(n) werden nicht mehr beobachtet."},
    "answer_changed": {"en": "The answer changed: {question}", "de": "Die Antwort hat sich geändert: {question}"},
    "answer_appeared": {"en": "Now answered: {question}", "de": "Jetzt beantwortet: {question}"},
    "before": {"en": "before", "de": "vorher"},
    "cmd_watch": {"en": "Watch a question: hear only when its answer changes", "de": "Eine Frage beobachten"},
    "cmd_watches": {"en": "Questions this chat watches", "de": "Beobachtete Fragen dieses Chats"},
    "cmd_unwatch": {"en": "Stop watching a question", "de": "Eine Frage nicht mehr beobachten"},
    "writing": {"en": "<b>Answer</b>\n<i>writing…</i>", "de": "<b>Antwort</b>\n<i>wird geschrieben…</i>"},
    "llm_failed": {
        "en": "<i>The language model did not answer, so here are the passages themselves.</i>",
        "de": "<i>Das Sprachmodell hat nicht geantwortet, daher hier die Textstellen selbst.</i>",
    },
    "new_conversation": {
        "en": "Started a new conversation: I have forgotten the earlier questions of this chat.",
        "de": "Neues Gespräch: Die früheren Fragen dieses Chats habe ich vergessen.",
    },
    "cmd_new": {"en": "Forget the conversation (follow-up questions start over)", "de": "Gespräch vergessen"},
    "not_allowed": {
        "en": "Sorry, this bot is only open to some users and chats. If you should have access, ask the person "
        "who runs it to add <code>{id}</code> to NEWSBOT_ALLOWED_CHATS.",
        "de": "Dieser Bot steht leider nur bestimmten Personen und Chats offen. Wenn Sie Zugang haben sollten, "
        "bitten Sie seinen Betreiber, <code>{id}</code> in NEWSBOT_ALLOWED_CHATS aufzunehmen.",
    },
    "not_allowed_short": {"en": "Sorry, this bot is not open to you.", "de": "Dieser Bot steht Ihnen leider nicht offen."},
    "feeds_title": {"en": "Feeds ({count})", "de": "Feeds ({count})"},
    "feeds_none": {
        "en": "No feeds yet. Add one with /feed add URL, or send me an OPML file.",
        "de": "Noch keine Feeds. Fügen Sie einen mit /feed add URL hinzu oder schicken Sie mir eine OPML-Datei.",
    },
    "feed_line": {"en": "last poll: {checked} · {articles} articles indexed", "de": "zuletzt gelesen: {checked} · {articles} Artikel indexiert"},
    "feed_error": {
        "en": "last error: {error} ({failures} in a row; next try {next})",
        "de": "letzter Fehler: {error} ({failures} in Folge; nächster Versuch {next})",
    },
    "never": {"en": "never", "de": "nie"},
    "feed_usage": {
        "en": "<b>Feeds</b>\n/feeds – the feeds with their state\n/feed add URL – follow an RSS/Atom feed\n"
        "/feed remove NUMBER – stop one (the number from /feeds)\n/feeds opml – the list as an OPML file\n"
        "Send me an <code>.opml</code> file to import a list.",
        "de": "<b>Feeds</b>\n/feeds – die Feeds und ihr Zustand\n/feed add URL – einem RSS/Atom-Feed folgen\n"
        "/feed remove NUMMER – einen beenden (Nummer aus /feeds)\n/feeds opml – die Liste als OPML-Datei\n"
        "Schicken Sie mir eine <code>.opml</code>-Datei, um eine Liste zu importieren.",
    },
    "feed_added": {
        "en": "Following {url}: {count} article(s) it holds now are indexed as backlog (not posted); new entries will be.",
        "de": "Ich folge {url}: {count} Artikel, die er jetzt enthält, sind als Bestand indexiert (nicht gepostet); neue schon.",
    },
    "feed_not_added": {
        "en": "I could not add the feed: {reason}.",
        "de": "Den Feed konnte ich nicht hinzufügen: {reason}.",
    },
    "feed_removed": {
        "en": "Stopped polling {url}. Its articles stay indexed; <code>/forget {url}</code> removes them.",
        "de": "{url} wird nicht mehr gelesen. Seine Artikel bleiben indexiert; <code>/forget {url}</code> entfernt sie.",
    },
    "feed_not_removed": {"en": "Nothing removed: {reason}. See /feeds.", "de": "Nichts entfernt: {reason}. Siehe /feeds."},
    "feeds_imported": {
        "en": "Imported {added} feed(s) from {name} ({known} in the list already). I am reading them now; "
        "what they hold is backlog, not posted.",
        "de": "{added} Feed(s) aus {name} importiert ({known} standen schon in der Liste). Ich lese sie jetzt; "
        "was sie enthalten, ist Bestand und wird nicht gepostet.",
    },
    "opml_problem": {
        "en": "I could not import {name}: {reason}.",
        "de": "{name} konnte ich nicht importieren: {reason}.",
    },
    "opml_caption": {"en": "{count} feed(s), as OPML", "de": "{count} Feed(s) als OPML"},
    "cmd_ask": {"en": "Answer a question with sources", "de": "Eine Frage mit Quellen beantworten"},
    "cmd_help": {"en": "How to ask, and the commands", "de": "Wie man fragt, und die Befehle"},
    "cmd_start": {"en": "What this bot does", "de": "Was dieser Bot tut"},
}


def text(key: str, language: str, **values: object) -> str:
    """The text `key` in `language` (English if there is none), with `values` filled in.

    Values are inserted as given: escape anything that comes from users or articles first.
    """
    variants = _TEXTS[key]
    template = variants.get(language, variants["en"])
    if "{example}" in template and "example" not in values:
        values["example"] = EXAMPLE_QUESTION.get(language, EXAMPLE_QUESTION["en"])
    return template.format(**values)


def language_of(code: str | None) -> str:
    """A Telegram user's language_code ("de-AT") to a language the bot speaks."""
    short = (code or "en").split("-")[0].lower()
    return short if short in {"en", "de"} else "en"
