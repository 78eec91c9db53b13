"""What everyday requests say when they want a task done: cue patterns over the request's own words.

Each cue names either a task type or a *need* that depends on what it is applied to (`content`: the
words of an image or a recording; `classify`: a photo, a sound or a text). Patterns are matched on one
clause, lower-cased, with the files and quoted texts replaced by a marker word (`§image`, `§audio`,
`§text`). Earlier cues win where two overlap, so the specific ones come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hugginggpt.experts.offline.text import LANGUAGES

_LANGUAGE_NAMES = "|".join(sorted((n.lower() for names in LANGUAGES.values() for n in names), key=len, reverse=True))
LANGUAGE = rf"(?:{_LANGUAGE_NAMES})"
IMAGE_WORDS = r"(?:image|picture|photo|photograph|pic|screenshot|scan|snapshot|selfie|§img)"
AUDIO_WORDS = r"(?:audio|recording|voice (?:memo|note|message)|memo|clip|sound|podcast|voicemail|§aud)"


GREETING = re.compile(r"^(?:hi|hello|hey|hiya|yo|good (?:morning|evening|afternoon)|howdy)\b[^a-z]*$")


@dataclass(frozen=True)
class Cue:
    need: str  # a task type, or: content, classify, describe, gist, sentiment, ask
    pattern: re.Pattern[str]
    mode: str = ""  # image-to-text: "read" or "describe"


# Languages named in their own words ("auf Deutsch"), read as "in German".
NATIVE_LANGUAGE = {
    "auf deutsch": "in german", "auf englisch": "in english", "en inglés": "in english", "en ingles": "in english",
    "en anglais": "in english", "in inglese": "in english", "en español": "in spanish", "en espanol": "in spanish", "en français": "in french",
    "en francais": "in french", "in italiano": "in italian", "em português": "in portuguese",
}  # fmt: skip
NATIVE_LANGUAGE_RE = re.compile("|".join(map(re.escape, NATIVE_LANGUAGE)))


def _cue(need: str, *patterns: str, mode: str = "") -> list[Cue]:
    return [Cue(need, re.compile(p), mode) for p in patterns]


_ENTITY = r"(?:names?|people|persons|places|compan(?:y|ies)|locations?|dates|cities|countries|organi[sz]ations?|brands)"

CUES: list[Cue] = [
    # A field of a document asked for by its name ("receipt total pls", "say the total out loud"): a question.
    *_cue(
        "ask",
        r"^(?:[^:§]{0,40}:\s*)?(?:§img\s*:?\s*)?(?:the |receipt |bill |invoice |order )?(?:total|amount due|subtotal|price|date|time|"
        r"address|deadline|venue)(?:\s+(?:on|from|of|in)\s+(?:§img|the \w+|it|this|that|here))?"
        r"(?:\s+(?:please|pls|thanks|on (?:it|this|here)))*(?:\s*[-—–,:]\s*just the (?:figure|number|amount|date|time))?\s*\W*$",
        r"\b(?:forgot|forget|lost|missing)\b[^.?!]{0,25}\bthe (?:receipt |bill )?(?:total|amount due|subtotal|price|date|time|address|"
        r"deadline|venue)\b",
        r"\b(?:say|read|tell me|determine|give me|get|grab|find|pull|need)\b (?:me )?(?:the |its )?(?:receipt |bill |invoice )?(?:total|amount due|"
        r"subtotal|price|deadline|venue|(?:order|invoice|reference|tracking|booking|confirmation|account) (?:number|no|code|id))\b"
        r"(?! out\b(?! loud| of))",  # ("read the total out" speaks the answer)
    ),
    # A task named by its name ("run extractive QA over the text"), before the words it is run on read as cues.
    *_cue(
        "question-answering",
        r"(?:\b(?:extractive|doc(?:ument)?|visual) qa\b|\bqa (?:on|over|against|model|pipeline|task)\b|\b(?:run|do|use|try) (?:an? )?qa\b|"
        r"\bquestion[- ]answering\b)(?! (?:model|pipeline) on (?:the )?§img)",
    ),
    # Speech out: "read it aloud", "say it", "as audio"
    *_cue(
        "text-to-speech",
        r"\b(?:read|say|speak|sound)\w*\b[^.?!§]{0,40}?\b(?:aloud|out loud|out-loud|outloud|loud|loudly)\b",
        r"\b(?:read|say|tell)\w*\b[^.?!§]{0,25}?\b(?:with|in) (?:a |your |the |his |her )?(?:\w+ )?voice\b"
        r"(?! ?(?:memo|note|message|mail|clip|recording))",
        r"\b(?:read|say|speak)\w*\b[^.?!§]{0,20}?\bout\b(?! of)|\bread (?:the|that|this) [\w ]{0,25}?(?:version|translation|"
        r"summary|transcript|answer) out\b",
        r"\b(?:aloud|out loud|outloud)\b",
        r"\btext[- ]to[- ](?:speech|audio|voice)\b|\btts\b|\bsynthe[sz]\w*\b[^.?!§]{0,15}\b(?:speech|voice|audio)\b|\bspeech synthesis\b|"
        r"\bvoice (?:the|it|this|that|them)\b",
        r"\b(?:narrate|narration|voice ?over|pronounce)\b|(?<!us )(?<!we )(?<!i )(?<!they )(?<!he )(?<!she )(?<!'t )\bspeak it\b|(?<!would you )(?<!do you )(?<!you'd )\bsay (?:it|that)\b(?!'s| is| doesn't| does| did| was| isn't| wasn't| looks| will)|\bspeak (?:the|that|this|them)\b",
        # "an audio version" asks for speech; "the audio clip" names the recording given
        r"(?<!the )(?<!this )(?<!that )(?<!my )(?<!attached )(?<!uploaded )(?<!following )\b(?:audio|spoken|voice|mp3|wav|sound) "
        rf"(?:{LANGUAGE} )?(?:version|copy|reading)\b|(?<!the )(?<!this )(?<!that )(?<!my )(?<!attached )(?<!uploaded )(?<!following )(?<!one )\b(?:audio|spoken|voice|"
        r"mp3|wav|sound) (?:file|clip|recording)\b",
        r"\b(?:as|into|to|in) (?:an? )?(?:audio|speech|voice|mp3|wav|sound file|spoken words)\b",
        r"\bread me(?= (?:the|a|an) (?:short |shorter |quick |brief )?(?:version|translation|summary)\b)|"
        r"\b(?:read|say) (?:it|this|that|them|(?:the|that|this|your) (?:\w+ )?\w+) (?:to|for) (?:me|her|him|them|us|my \w+)\b|\bread (?:me|out) what you (?:got|found|have|wrote|made)\b",
        r"(?<!how do you )(?<!how would you )(?<!how do i )(?<!how to )\bsay §txt\b|\bwith (?:a |your |the )?voice\b|\b(?:i|we) (?:can|could) listen to\b|\bspeak(?: it| them)?\W*$|\bread me the (?:\w+ )?(?:version|translation)\b|"
        rf"\bread me the {LANGUAGE}\b|\bhear (?:it|what|the|how)\b|\bread (?:it|this|that|them) back\b|\bread back\b|\bin an? (?:clear|nice|loud|calm|friendly) voice\b",
        r"\bby voice\b|\b(?:have|get) (?:it|this|that|them|the \w+) (?:spoken|voiced|read out)\b|\bmake (?:one|an?) (?:audio|voice|sound) (?:of|from|version)\b",
        r"^(?:and |also )?spoken(?: (?:too|as well|also|aloud))?\W*$|\bspoken (?:too|as well)\b",
        r"\bwhat (?:does|would|will) (?:it|that|this) sound like\b(?! in (?:the|this) (?:recording|audio|clip))|"
        r"\bplay (?:it|that|this|them|the \w+(?: version)?) (?:for|to) (?:them|him|her|me|us)\b|\bplay (?:the|that|this) (?:\w+ )?(?:version|translation)\b",
        r"\b(?:make|let) (?:it|the \w+) (?:talk|speak)\b",
        r"\bread me (?:the|that|this|your) (?:summary|translation|transcript|description|caption|answer|result|story|"
        r"poem|list|rewrite|reply|new version|tl;?dr)\b|\bplay (?:it|this|that|them|the \w+) (?:back|for me|to me)\b",
        r"\bsay (?:the|that|this) (?:\w+ )?(?:version|translation|answer|result|summary)\b|"
        r"\b(?:audio|spoken) (?:answer|reply|note|summary)\b|\bvoice (?:answer|reply)\b|\bread (?:it|this|that|them|the [\w;]+) back\b",
        r"\b(?:make|create|record|give me) (?:me )?(?:an? )?(?:short |quick )?(?:audio|voice (?:note|message)|mp3)\b",
        # a step of its own after an arrow or a list: "sign text -> audio", "+ audio of it", "description spoken"
        r"^(?:an? |the )?(?:audio|voice|speech|spoken|tts|mp3)(?: (?:of|version of) (?:it|that|this|them))?\W*$|\bspoken\W*$",
    ),
    # Words out of an image or a recording.
    *_cue(
        "automatic-speech-recognition",
        r"\btranscri(?:be|bing|ption|pt)\w*",
        # ("the dictation tool keeps choking on it" names a tool, not a step)
        r"\bspeech[- ]to[- ]text\b|\bdictation\b(?! (?:tool|app|software|program|service)s?\b)|\bspeech recognition\b|\basr\b",
        r"\b(?:what|anything)\b[^.?!]{0,40}\b(?:said|spoken|saying|talking about|speaking about)\b",
        r"\bwhat(?:'s| is| was)? (?:being )?(?:said|spoken)\b",
        rf"\b(?:what|who)\b[^.?!]{{0,30}}\bsay(?:s|ing)?\b[^.?!]{{0,20}}\b{AUDIO_WORDS}",
        rf"\b{AUDIO_WORDS}\b[^.?!]{{0,20}}\bsay(?:s|ing)?\b",
        r"\bwhat (?:does|did) (?:he|she|they|the (?:speaker|person|guy|man|woman|caller)|someone)\b[^.?!]{0,20}\bsay\b",
        r"\b(?:into|to|as) (?:plain )?(?:text|words|writing)\b(?![- ]to\b)",
        r"\bwrite (?:down|out|up)\b|\bwrit\w* (?:it|this|that|them|both(?: of them)?|these|those|everything|each(?: one)?)(?: \w+)? (?:down|out)\b",
        rf"\bwrit\w* (?:the |my |his |her |their |[\w']+'s )(?:\w+ )?{AUDIO_WORDS}s? (?:down|out)\b",
    ),
    *_cue(
        "content",
        r"\bocr\b",
        r"\b(?:read|extract|get|grab|pull|copy|dump|give|show|send|recogni[sz]e|scan|type out|transcribe)\w*\b[^.?!§]{0,30}\b(?:text|words|"
        r"writing|wording|letters)\b",
        rf"\b(?:text|words|writing|wording|letters)\s+(?:in|on|from|of|off)\s+(?:the |this |that |my )?(?:{IMAGE_WORDS}|sign|"
        r"note|receipt|poster|menu|label|card|flyer|board|page)",
        # ("what kind of cat is this, my friend says it's a sphynx": a person's saying is no text to read)
        r"\bwhat(?:'s| is| does| did| do)?\b[^.?!]{0,40}(?<!friend )(?<!mom )(?<!mum )(?<!dad )(?<!wife )(?<!husband )(?<!son )(?<!daughter )(?<!sister )(?<!brother )(?<!boss )(?<!teacher )(?<!everyone )(?<!people )(?<!someone )\b(?<!to )(?<!classifier )(?<!model )(?<!detector )(?:written|say|says|printed|reads)\b",
        r"\b(?:written|printed|typed) (?:on|in)\b",
        r"\bwhat (?:it|this|that|the \w+) (?:says|said|reads)\b|\b(?:says|say|said|reads|written) what\b|\btext inside\b",
        r"\bread (?:it|this|that|the \w+|me the \w+)\b|\bread (?:me )?what(?:'s| is) (?:on|in) (?:it|this|that|there)\b",
        r"\btype (?:out|up)\b|§img\s+text\b|\bread (?:the |this |that |both )?§img\b",
        r"\bread (?:both|all|each) (?:of )?(?:these|them|those|the \w+)\b|^read\W*(?:then|and|,|$)",
        r"\b(?:write|type|put|give)\b[^.?!§]{0,30}\bin (?:plain )?text\b(?! form of)",  # "write all the items in text for me"
        r"^(?:the )?(?:§img\s*:?\s*|sign |note |receipt |menu |card |poster |label )?(?:text|words|wording)\W*$",
        r"\bwhat(?:'s| is) (?:on|in) (?:the |this |that |my )?(?:flyer|poster|sign|note|receipt|menu|card|page|label|"
        r"invite|invitation|notice|letter|board|screen|screenshot|whiteboard|slide)s?\b",
    ),
    *_cue(
        "summarization",
        r"\bsumm?ar(?:y|i[sz]e|i[sz]ed|i[sz]ing|i[sz]ation|ies)\b|\bresume (?:me|it|this|that|the)\b",
        r"\btl;?dr\b|\bgist\b|\bkey (?:points|takeaways|facts)\b|\bmain (?:points?|idea|message|takeaways?)\b",
        r"\b(?:in|to|into) (?:a |one |two |three |a few |a couple of |\d+(?:-\d+)? )?(?:short |brief |single )?(?:sentences?|lines?|nutshell|"
        r"bullet points)\b",
        r"\b(?:shorten|condense|(?<!meeting )(?<!the )recap|sum (?:it |this |that )?up)\b|\bboil\b[^.?!]{0,25}\bdown\b",
        r"\bshort(?:er)? version\b|(?<!our )(?<!the )(?<!my )(?<!client's )\bbrief(?:ly)?\b(?! says)|\boverview\b|\bmake (?:it |this |that |the \w+ )?short(?:er)?\b",
    ),
    *_cue(
        "gist",
        r"\bwhat(?:'s| is| was)\s+(?:it|this|that|(?:the|this|that|my) \w+|§\w+)\s+(?:all\s+|mostly\s+|really\s+)?about\b|\bwhat(?:'s| is) in (?:it|the (?:email|"
        r"text|article|letter|document|file|message))\b",
        r"\bwhat (?:it|this|that|(?:the|this|that|my) \w+) (?:is|was)\s+(?:all\s+|mostly\s+|really\s+)?about\b",  # "can't remember what it was about"
    ),
    *_cue(
        "translation",
        r"\btranslat\w*|\bwhat language\b|\bmt\b(?= (?:from|to|into)\b)",
        # "it's in Spanish" says what language the content is in, not what to translate into
        rf"(?<!\bis )(?<!\bits )(?<!\bit's )(?<!\bare )(?<!\bwas )(?<!written )(?<!spoken )(?<!keep it )(?<!leave it )\b(?:in|into|to|on) "
        rf"(?:proper |plain )?"
        rf"{LANGUAGE}\b(?! (?:class|lesson|course|homework|exam|test|teacher|speaker)s?\b)",
        r"\bhow (?:do|would|does) (?:you|i|one) say\b",
        r"\bwhat (?:does|do) (?:it|this|that|the \w+) mean\b",
        r"\bin english\b",
        rf"^(?:§txt )?(?:(?:and|then|now|also|next|how about|what about)\s+)*(?:in |into |to )?{LANGUAGE}(?: please| pls| thanks| thx)?\W*$",
        rf"\b{LANGUAGE}(?= (?:caption|description|version|summary|transcript|subtitle|translation|one|sentence)s?\b)",
        rf"(?:->|→|=>)\s*{LANGUAGE}\b",
    ),
    *_cue(
        "token-classification",
        r"\bnamed[- ]entit\w*|\bentit(?:y|ies)\b|\bner\b",
        r"\bwho\b[^.?!]{0,30}\b(?:mention\w*|named|involved|referred|talked about|talking about|in it|in there|quote[sd]?)\b",
        r"\bwhere\b[^.?!]{0,30}\bmention\w*",
        r"\b(?:names?|people|persons|person|places?|locations?|cities|city|countries|companies|company|"
        r"organi[sz]ations?|brands?|dates?|who and where)\b[^.?!]{0,25}\b(?:mention\w*|named|appear\w*|referenced|"
        r"listed|come up|comes up|show up|talked about|featured)\b",
        r"\b(?:which|what|any) (?:people|persons|names|places|cities|companies|organi[sz]ations|locations|dates)\b"
        r"(?! (?:say|said|think|thought|want|like|do|did|are saying)\b)",
        r"\b(?:who|what) are the (?:people|names|persons) and (?:the )?(?:places|companies|dates|cities)\b",
        r"\b(?:need|want) (?:the |all the )?(?:names|people|places|companies|entities)\b",
        r"\b(?:does|do) (?:it|this|that|they|the \w+|this \w+|§txt|§\w+ and §\w+)(?: both)? (?:mention|name|list|include) (?:a |an |any |the )?(?:same )?"
        r"(?:date|dates|name|names|person|people|place|places|company|companies|mayor|city|cities)\b",
        r"\bwho(?:'s| is)? [^.?!]{0,30}\b(?:which|what) compan(?:y|ies)\b",
        r"\b(?:pick out|pull out|list|extract) (?:the )?(?:who|where|when)\b|\btell me who and where\b",
        # "who it's with and where", "who's visiting & when": the people and places (or dates) it mentions;
        # "and when is the meeting?" is a question of its own
        # ("who wrote it and when?" asks for its author: a question)
        r"\bwho\b(?! (?:wrote|sent|signed|made|said|asked|called|left)\b)[^.?!]{0,30}?\s(?:and|&|n)\s+(?:where|when)\b"
        r"(?!\s+(?:is|was|are|does|did|will|do)\b)|\bwho\b(?! (?:wrote|sent|signed|made|said|asked|called|left)\b)"
        r"[^.?!]{0,30}?\s(?:and|&|n)\s+where\b",
        r"^(?:if there(?:'s| is| are) )?(?:an?|any) (?:city|cities|place|places|country|name|names|person|company|date)s? "
        r"(?:in|mentioned in) (?:it|there|the \w+)\b",
        r"\ball (?:the |of the )?(?:names|people|places|dates|companies|organi[sz]ations|entities)\b(?! in (?:the |this |that )?(?:photo|picture|image|pic))",
        r"\b(?:extract|list|log|record|note down|capture|collect|pull|pull out|pick out|spot|find|get|give me|tell me(?! (?:what|where|when|how)\b)|show me|highlight|tag)\b[^.?!]{0,20}\b(?:names?|people|places|compan(?:y|ies)|"
        r"organi[sz]ations|locations|dates|entities|(?:every|each) (?:person|organi[sz]ation|place|location|company|name|date))\b",
        r"\bpull\b[^.?!]{0,20}\b(?:names|people|places|companies|dates|entities)\b|^(?:the )?(?:names|people|places|entities|who'?s mentioned)\W*$",
        r"\bwho(?:'s| is| are| was| were) (?:in|on|named in|mentioned in) (?:it|(?:the|this|that) \w+|§txt)\b(?! (?:photo|picture|image|pic)\b)",
        r"^\W*(?:the )?(?:names|people|places|entities)(?: and \w+)? (?:in|from|of) (?:it|the \w+|this \w+|§txt|§aud)\W*$",
        r"\b(?:names?|places?|entit(?:y|ies))(?:\s*/\s*\w+)?\s+(?:detection|recognition|extraction|tagging)\b",
        r"^(?:§\w+\s*:?\s*)?(?:the |any |all )?(?:names?|people|persons|places|companies|locations|dates|cities|organi[sz]ations)"
        r"(?:\s*(?:,|and|&)?\s*(?:names?|people|places|companies|locations|dates|cities))*\s+(?:in|from|on|of)\b",
        # "people/companies/places", "§txt: names & places": a list of what to find
        rf"^(?:§\w+\s*:?\s*)?(?:just |only )?(?:the |any )?{_ENTITY}(?:\s*(?:/|,|and|&|\+|or)\s*{_ENTITY})+\b[^.?!]{{0,20}}\W*$",
    ),
    *_cue(
        "sentence-similarity",
        # ("draw the same thing in cartoon style" is no comparison)
        r"\bsimilar(?:ity)?\b|\bsame meaning\b|\b(?:mean|means|meant|say|says|saying|said|about|is|are) (?:basically |roughly |)the same thing\b|\bsame thing as\b|\bmeans? (?:more or less |roughly |about |basically )?the same\b|"
        r"\bmatch\w*\b[^.?!]{0,40}\b(?:more closely|most closely|closer)\b|\bhow close\b|\bclosest\b|\bmost close\b|"
        r"\bclose(?:r|st)? in meaning\b|\b(?:basically|essentially|roughly|pretty much) the same\b|\bhow do (?:they|these|those) compare\b",
        r"\bcompare\b[^.?!]{0,30}\b(?:sentences?|phrases?|texts?|these|them|meaning)\b",
        r"\bwhich (?:one |of [\w ]{1,20}?)?(?:is|comes|sounds) (?:closer|closest|most like|nearest)\b|\bcloser to what\b|"
        r"\bwhich (?:one |of (?:them|these|those) )?is (?:the )?nearest\b|\babout the same (?:problem|thing|issue|topic)\b|"
        r"\b(?:basically |roughly |really )?the same (?:as|like) (?:what|the|my|§)|\b(?:does|do) (?:it|this|that|they|§aud|§txt) match\b|"
        r"\bhow close (?:my|the|this) \w+ (?:is|are)\b|"
        r"\bwhich (?:of (?:our|these|the|my) )?(?:\w+ )?(?:macros?|templates?|replies|responses|answers|sentences?|snippets?|entries|faqs?|"
        r"lines|captions|headlines|taglines|descriptions|listings|titles?) (?:fits|matches|suits|is closest)\b|"
        r"\bparaphrases? of\b|\bsemantic(?:ally)?\b|\balike\b|\b(?:more near|nearer|nearest|more close) (?:to|in meaning)\b",
        r"\b(?:is|are) (?:it|this|that|they|§\w+) (?:close|closer|nearer|similar) to\b|\bbest match(?:es|ing)?\b|\bmatch(?:es)? \S+ (?:better|best)\b|\b(?:better|best|closest) match\b|\bmatches (?:best|better)\b",
    ),
    *_cue(
        "text2text-generation",
        r"\b(?:rewrite|re-write|rephrase|paraphrase|reword|simplify|proofread|formali[sz]e)\w*\b(?! (?:exercise|question|task|test|quiz))",
        r"\bmake (?:it|this|that|the \w+|§txt\d*) (?:a (?:bit|lot) )?(?:easier|simpler)(?: to (?:read|understand|follow))?\b",
        r"\b(?:word|phrase|say|put) (?:it|this|that) (?:more |a bit |in a )?(?:nicer|nicely|politely|better|differently|kindly|gently|polite)\b",
        r"\b(?:fix|correct|check|improve)\b[^.?!]{0,20}\b(?:grammar|spelling|typos?|wording|punctuation|english|mistakes|errors)\b",
        r"\b(?:grammar|spelling|typo)s? (?:fix|check|correction)\b|\bgrammar(?:\s*\W)?\s*$",
        r"\bmake (?:it|this|that|the \w+|§txt) (?:sound )?(?:a lot |much |way |a little )?(?:more |less |a bit )?(?:formal|polite|casual|friendly|"
        r"professional|simpler|nicer|concise)\b",
        r"\bmake (?:it|this|that|the \w+|§txt\d*) (?:sound|seem|read|come across) (?:a lot |much |way |a little |a bit )?(?:more|less) \w+",
        r"\b(?:into|to|as) (?:a )?(?:formal|polite|passive|active|plain|simple) (?:english|language|voice|tone|form)\b",
        r"\b(?:turn|merge|combine)\b[^.?!]{0,30}\binto (?:a |an |one )?(?:[\w-]+ ){0,3}(?:message|email|tweet|post|letter|note|text|reply|story|poem|list|reminder|to-?do|entry|"
        r"song|joke|limerick|haiku|rap|ad|advert|advertisement|slogan|headline|announcement|blurb|concept|script|pitch)\b",
        r"\bmake (?:it|this|that|the \w+|§txt\d*) (?:a bit |a lot |much |even )?(?:funnier|warmer|punchier|catchier|sweeter|friendlier|"
        r"sillier|cheesier|snappier|more fun)\b",
    ),
    *_cue(
        "sentiment",
        r"\bsentiment\w*|\bpositive\b|\bnegative\b|\b(?:angrier|happier|sadder|ruder|more (?:negative|positive|upset|angry))\b|\b(?:un)?favou?rable\b|\b(?:complaining|moaning|whining|grumbling)\b|\bemotion\w*|\bmood\b|\bvibes?\b(?!:)|\b(?:an? )?(?:actually )?(?:good|bad|positive|negative) review\b|\banything (?:rude|negative|mean|offensive|nasty|positive|nice)\b|\bsaying (?:good|bad|nice|positive|negative) things\b|\bsounds? (?:more )?(?:upbeat|gloomy|cheerful|happy|sad|angry|positive|negative|grumpy)\b|\battitude\b",
        r"\b(?:the|its|what|overall|general) tone\b|\btone of\b|^tone\W*$",  # not "in a polite and professional tone"
        r"\bhow (?:they|he|she|the \w+) (?:feel|felt)\b|\bhow (?:does|do|did|is|was) (?:the |this |that )?\w* ?(?:feel|feeling|sound)\b|\bhow\b[^.?!]{0,20}\bfeel(?:s|ing)\b",
        r"\b(?:happy|angry|upset|satisfied|unhappy|pleased|annoyed|mad|sad|good or bad|praise|complain(?:s|ed|ing)?)\b[^.?!]{0,20}\?",
        r"\b(?:like|liked|love|loved|hate|hated|enjoy|enjoyed) (?:it|the|this|that)\b[^.?!]{0,30}\?",
        r"(?<!already )(?<!clearly )(?<!obviously )\b(?:satisfied|happy|unhappy|upset|pleased|angry)\b(?! (?:customer|caller|guest|client|person|neighbou?r|man|woman)s?\b)|\bgood (?:\w+ )?or (?:an? )?bad\b",
        r"\bis (?:it|this|that|the \w+|this \w+|that \w+|my \w+) (?:too |very |really |a bit |kind of |so |overly )?(?:nice|kind|friendly|polite|rude|mean|good|bad|harsh|aggressive)\b|\bany good\b|\b(?:nice|good|positive|kind|friendly|happy|pleased|polite) or (?:mean|bad|negative|rude|unkind|sad|"
        r"angry|upset|not)\b",
        r"\b(?:is|are) (?:it|this|that|they|he|she) (?:an? )?(?:nice|kind|friendly|positive|negative|good|bad|mean|rude|happy|"
        r"angry|complaining|moaning|grumpy)\b(?: one| note| message| comment| review)?",
        r"\b(?:is|are|was|were) (?:she|he|they|it|the \w+) (?:\w+ ){0,2}(?:mad|angry|annoyed|upset|furious|cross|pissed)\b",
        r"\bhow (?:mad|angry|annoyed|upset|furious|cross|pissed|happy|pleased|satisfied|unhappy|sad)\b",  # "how mad r they"
        r"\b(?:he|she|they|it)(?:'s| is| are|'re) (?:\w+ )?(?:furious|angry|mad|upset|annoyed|happy|pleased)\b[^.?!]{0,10}\?",
        r"\b(?:if|whether) (?:they're|they are|he's|he is|she's|she is|it's|it is|they were|he was|she was) (?:\w+ )?"
        r"(?:mad|angry|annoyed|upset|furious|cross|happy|pleased|satisfied)\b",
        r"^(?:is|are|was|were|does|did)\b[^.?!]{0,30}\b(?:mad|angry|annoyed|upset|happy|sad|furious|frustrated|pleased|"
        r"satisfied|unhappy|calm)\b",
    ),
    *_cue(
        "classify",
        r"\bzero[- ]shot\b|\bclassif\w*|\bcategori[sz]\w*|\bcategory\b|\bwhich (?:label|class|topic)\b|\blabel (?:it|this)\b",
        r"\bpredict\w*|\bfill in\b[^.?!]{0,20}\b(?:missing|blank|empty)\b|\bfill in (?:the )?species\b|\bfill (?:those|them|these|the \w+|in the \w+) in\b",
    ),
    # Images made or changed.
    # "what the black and white version shows" describes the edit, before the effect's words read as a new edit
    *_cue("describe", r"(?<!show me )\bwhat (?:the|this|that|it) [^.?!]{0,30}\b(?:shows|depicts|looks like)\b"),
    *_cue(
        "image-segmentation",
        r"\bsegment\w*|\bmasks?\b|\bcut (?:out|it out)\b|\bcut (?:the |this |that |my )?\w+ out\b|"
        r"\bwithout (?:the |a |its )?background\b|\bremove the background\b(?! noise| hiss| hum| sound)|\bbackground (?:removal|remover)\b",
        r"\bseparate\b[^.?!]{0,30}\b(?:background|foreground|objects|regions)\b|\bregions\b|\bpixel-wise\b",
        r"\b(?:divide|split|separate|break)\b[^.?!]{0,30}\b(?:parts|regions|areas|segments|zones)\b",
        r"\b(?:ends?|stops?) and the background (?:starts?|begins?)\b|\bwhere the background (?:starts?|begins?)\b",
    ),
    *_cue(
        "depth-estimation",
        r"\bdepth\b|\bhow far\b|\bdistances?\b|\b3d\b|\b(?:close|closer|near|nearer|closest|nearest) to the camera\b|\bnear or far\b|"
        r"\bfar away\b|\bfurther (?:back|away)\b|\bfarther (?:back|away)\b",
    ),
    *_cue(
        "text-to-video",
        r"\b(?:make|create|generate|produce|render|give me|turn)\b[^.?!§]{0,40}\b(?:video|animation|clip|movie|film|gif)\b"
        r"(?! (?:concept|script|idea|ideas|storyboard|outline|brief)\b)",
        r"\banimat(?:e|ed|ion)\b|\btext[- ]to[- ]video\b|\b(?:and|or|plus|&) (?:a |an )?(?:short |quick |little )?(?:video|clip|animation)\b|\b(?:need|want|like|love) (?:a|an|some) (?:\w+ ){0,2}(?:video|clip|animation)\b",
        r"^(?:an? )?\d+[- ]?(?:sec|second|s|min|minute)s? (?:video|clip|animation|gif) (?:of|showing)\b|^(?:video|clip|animation)\s*:",
    ),
    *_cue(
        "image-to-image",
        r"\b(?:pencil |charcoal )?sketch(?:ed|es|y)?\b|\bcartoon\w*|\bsepia\b|\binvert\w*|\bnegative image\b|\bsharpen\w*",
        r"\bb&w\b|\bb/w\b|\bblur(?!ry\b)\w*|\bblurry (?:version|copy|one)\b|\b(?:make|get|turn) (?:it|them|this|the \w+) (?:a bit |a little |more )?blurry\b|\bedges?\b|\bcanny\b|\boutlines?\b|\bline art\b|\bblack[- ]and[- ]white\b|\bgr[ae]yscale\b|\bmonochrome\b",
        r"\bfilter\b|\bmake (?:it|them|both|the (?:\w+ )?\w+|this|these (?:\w+ )?\w+|those (?:\w+ )?\w+|my (?:\w+ )?\w+|§img) look\b|\blook (?:vintage|retro|old-fashioned|older)\b|\bpencil drawing\b|\b(?:vintage|retro|comic|anime) (?:look|style|effect)\b|\bstyli[sz]e\b",
        r"\b(?:turn|convert|change)\b[^.?!]{0,30}\b(?:into|to) (?:a |an )?(?:sketch|cartoon|drawing|painting|b&w)\b",
        rf"\bedit\w*\b[^.?!]{{0,20}}\b(?:{IMAGE_WORDS}|it)\b",
    ),
    *_cue(
        "text-to-image",
        r"\btext[- ]to[- ]image\b",
        r"\b(?:wants?|needs?|would like|'d like) (?:a|an|some) (?:\w+ ){0,2}(?:picture|image|drawing|illustration)s? of\b|"
        r"\b(?:draw|paint|illustrate|render|doodle)\b|\b(?:an?|some) (?:little |small |nice )?(?:picture|image|drawing|illustration) "
        r"(?:to go with|for) (?:it|that|this)\b",
        r"\b(?:make|create|generate|produce|design|give me|show me)\b[^.?!§]{0,30}\b(?:image|picture|pic|photo|drawing|"
        r"illustration|painting|artwork|logo|wallpaper|poster|icon|art|banner)\b"
        r"(?! of the (?!summary|translation|description|transcript|text|story|poem|caption|result|quote|slogan|haiku|message)\w)",
        r"\b(?:need|want|like) (?:a|an|some|two|three) (?:\w+ ){0,2}(?:banner|logo|poster|wallpaper|illustration|picture|image|"
        r"drawing|painting|artwork|icon)s?\b|\b(?:two|three|\d) (?:images|pictures|drawings|illustrations)\b",
        r"\b(?:image|picture|illustration|painting|drawing) of (?:a|an|some)\b|^(?:an? )?(?:img|image|pic|picture)\s*:",
        r"^what (?:would|might) (?:an? |some )[^.?!§]{3,60} look like\b|^picture (?:an?|some) ",
        r"\b(?:need|want|like|love) (?:a|an|some|two|three|new) (?:\w+ ){0,2}(?:cover|thumbnail|sticker|mascot)s?\b",
        r"\b(?:make|create|design|generate|give) (?:me |us )?(?:a|an) (?:\w+ )?(?:cover|title|header|thumbnail) (?:picture|image|art|illustration)\b",
    ),
    # Looking at photos.
    *_cue(
        "object-detection",
        r"(?<!edge )\bdetect\w*|\bhow many\b|\bcu[aá]nt[oa]s\b|\bwie viele\b|\bcombien\b|\bcount(?:s|ed|ing)?\b|\bnumber of\b|(?:^|\s)#\s?of\b|\blocate\b|\blocation of\b|\bbounding box\w*|\bbox(?:es)?\b",
        r"\b(?:check|search|look|scan)\s+(?:the |this |that |my )?(?:§img|image|photo|picture|pic)\s+for\b|"
        r"\b(?:find|spot|point out|highlight|mark|circle)\b|\bwhere(?:'s| is| are)\b|\bwhere (?:the|a|my) \w+ (?:is|are)\b",
        r"\b(?:more|fewer|most) (?:things|objects|items|people|stuff)\b",
        r"\bthere(?:'s| is|s| are| were) (?:only )?(?:one|two|three|four|five|\d+) \w+ (?:in|on) (?:this|the|that|my) (?:photo|picture|image|pic)\b",
        r"\bthere(?:'s| is) (?:actually |really )(?:a|an|any)\b(?! (?:\w+ )?(?:speech|voices?|talking|sound|noise))|\b(?:is|are) there (?:actually |really )(?:a|an|any)\b|"
        r"\bwhich (?:of (?:these|the) )?(?:\w+ )?(?:photos?|pictures?|images?|pics?|one) (?:has|have|shows?|contains?)\b(?! (?:any )?(?:speech|voices?|talking|sound))|"
        r"\b(?:is|are) there (?:exactly |only |just |at least |more than )?(?:a|an|any|some|one|two|three|\d+|anyone|anybody|someone|anything|something|"
        r"somebody|people)\b(?!\s+(?:\w+\s+)?(?:speech|voices?|"
        r"talking|speaking|sounds?|noise|music)\b)|\bany (?:people|persons|cats|"
        r"dogs|cars|cups|animals)\b|^(?:any(?:one|body)|some(?:one|body)) (?:in|on)\b|"
        r"\b(?:is|are) (?:any(?:one|body)|some(?:one|body)) (?:in|on)\b",
        r"^(?:an? |any )?(?:cat|dog|person|people|cup|car|bird|horse|bike|bicycle|bottle|chair|phone|laptop|book)s? in "
        r"(?:either|both|any|it|them|(?:the|this|that) \w+)(?: one| of them)?\W*$|"
        r"\bwhat (?:objects|things|items)\b|\bobjects?\b|\bwhat(?:'s|s| is| are) (?:on|in) (?:the )?(?:table|desk|plate|shelf)\b",
    ),
    *_cue(
        "describe",
        r"\balt[- ]text\b|\bdescri(?:be|bing|ption)\w*|(?<!this )(?<!that )(?<!my )\bcaption\w*|\bwhat (?:do )?you (?:can )?see\b|\bwhat can you see\b|\btell me about\b",
        rf"\bwhat(?:'s| is| are)? (?:in|on|going on in|happening in) (?:the |this |that |these |those |both |my )?(?:two |2 )?(?:\w+ )?{IMAGE_WORDS}",
        rf"\bwhat (?:does|do) (?:the |this |that |my )?{IMAGE_WORDS}s? (?:show|depict|contain)\b",
        r"\bwhat (?:does|do) (?:it|this|that)(?: even| actually| really)? (?:show|depict)\b|"
        r"\bwhat(?:'s| is) in (?:the )?(?:first|second|third|other|last) one\b|"
        r"(?<!count )(?<!counting )\bwhat(?:'s| is) in (?:each|both|either)(?: one| of them| pic| photo| picture| image)?\b",
        r"\bexplain (?:the |this )?(?:image|picture|photo)\b",
        rf"\bwhat(?:'s| is) (?:this|that|it) an? {IMAGE_WORDS} of\b",
    ),
    *_cue(
        "image-classification",
        r"\b(?:what|which) (?:kind|type|sort|breed|species|brand|make|model|race) of\b(?! (?:sound|noise|audio|music|voice))|\b(?:what|which) (?:animal|breed|species|"
        r"dish|food|object|race|drink|plant|flower|bird|fruit)\b(?! (?:is|was) in\b)|\bwhat(?:'s|s| is) the (?:breed|species|animal|dish)\b|\bwhat are (?:these|those|they)\b(?! \w+ing\b)",
        r"\bidentify\b(?![^.?!]{0,30}\b(?:names?|entit|people|places|compan|dates|language)\w*)|\brecogni[sz]e\b|\bwhat(?:'s| is)? (?:this|it|that)\b(?! (?!thing\b)\w+ing\b)",
        r"(?<!or )\bis (?:this|it|that) an? \w+\b",  # ("is there a cat in it or is that a cushion" asks the detector)
        r"\b(?:the|its|her|his|their) (?:breed|species)\b|\bbreed\b|\bimage classifier\b|\btop label\b",
    ),
    # Sounds.
    *_cue(
        "audio-classification",
        r"^(?:any )?(?:speech|voices?|talking|someone talking) in (?:it|either|both|them|(?:the|this|that) \w+)(?: one| of them)?\W*$|"
        r"\b(?:(?:is|are|was) (?:there|anyone|anybody|somebody|someone)|there'?s|there is) (?:actually |really )?(?:any |some )?(?:actual |real )?(?:speech|talking|speaking|"
        r"voices?|saying anything|in it)\b",
        r"\b(?:anyone|someone|somebody|anybody|people) (?:\w+ ){0,3}(?:talk|speak)(?:s|ing)?\b",
        r"\bspeech or\b|\bor (?:is (?:it )?)?(?:just |only )?(?:noise|silence|silent|static|background|wind|hum)\b|\bjust (?:noise|silence)\b|\bsilen(?:t|ce)\b",
        r"\bvoice activity\b|\bwhat (?:kind of |sort of )?(?:sound|noise)s?\b|\bany (?:speech|voices?)\b",
        r"\bthere(?:'s| is) (?:a |any )?(?:voice|speech|talking|someone talking)\b|\bspeech in (?:there|it)\b|"
        r"\bcontains? (?:speech|voices?|talking)\b|\bempty\b|\bhas (?:a |any )?(?:voice|speech|talking)\b",
    ),
    *_cue(
        "audio-to-audio",
        r"\bde-?nois\w*|\bnoise[- ]?(?:reduction|removal|free)\b|\b(?:reduce|remove|cut|strip|get rid of)\b[^.?!]{0,25}"
        r"\b(?:noise|hiss|hum|static)\b",
        r"\bless noisy\b|\bclean(?:ed)?(?: it| this| that| the \w+)? up\b|\bclean (?:it|this|that|the (?:audio|recording|sound|memo|file|clip))\b|\bclean up\b|\bclean (?:up )?(?:the |its )?(?:noise|hiss|static)\b|\benhance\w*|\bclearer\b|^clean\W*$|"
        # "make it cleaner", "a cleaner version"; "my cleaner rosa" is a person
        r"(?<!\bmy )(?<!\bour )(?<!\bthe )(?<!\bher )(?<!\bhis )(?<!\btheir )\bcleaner\b|\bcleaner (?:version|copy|recording|audio|sound|take)\b",
    ),
    # Writing and chatting.
    *_cue(
        "text-generation",
        r"\bwrite (?:that|it|this) (?:as|into|up as)\b|"
        r"\b(?:write|compose|draft|generate|create|come up with|make up|invent|suggest|give me|help (?:me )?with|"
        r"(?:need|want|like|love) (?=(?:an?|some|another|\d+|a few|several|three|five|ten) )|make (?:me )?(?=an? |some |one )|"
        r"tell me (?=an? |some |another ))\b"
        r"[^.?!§]{0,35}"
        r"\b(?:story|stories|poem|haiku|joke|essay|email|letter|tweet|post|slogan|paragraph|song|lyrics|limerick|"
        r"names?(?! of (?:the )?(?:persons|people|places|companies|cities))|titles?|tagline|recipe|speech|message|ideas?|list|bio|description|caption|riddle|quote|reply|"
        r"response|apology|review|prompt|questions|quiz|rhymes?|lullaby|something (?:nice|kind|sweet|short|funny|to say)|note|notice|flyer|announcement|postcard|card|invitation|headline|intro|summary of (?:your|the) day|greeting|toast|wish(?:es)?|lines|verse|description)\b",
        r"^(?:an? )?(?:short |quick |little |funny |cute |sad |happy )?(?:story|poem|haiku|joke|limerick|riddle|song|tagline|"
        r"slogan)s? (?:about|for|on)\b",
        r"\btext[- ]generation\b(?! (?:model|step) (?:on|of)\b)|\bcontinue\b|\bfinish (?:this|the|my) (?:\w+ )?(?:sentence|story|text|line|poem|verse)\b|\bkeep (?:it|this|the story) going\b|"
        r"\bcarry on (?:with )?(?:it|the story|this)\b|\bwhat comes next\b|\bbrainstorm\w*|\bcomplete (?:this|the) sentence\b",
        r"\bexplain\b|\bwhat (?:is|are) (?:a |an |the )?\w+\b[^§]*\?$|\bhow (?:do|does|can|to)\b",
    ),
    *_cue(
        "conversational",
        GREETING.pattern,
        r"\bhow are you\b|\bhow's it going\b|(?<!group )(?<!family )(?<!team )(?<!class )\bchat\b(?! (?:message|thread|log))|\btalk to me\b|\blet's talk\b|\bi feel\b|\bi'm (?:bored|sad|lonely)\b",
        r"\b(?:can|could) we (?:just )?(?:talk|chat)\b|\b(?:i'm|i am|feeling) (?:so |really |a bit |kinda )?(?:stressed|anxious|"
        r"worried|down|lonely|overwhelmed)\b",
        r"\b(?:reply|respond|answer) (?:to )?(?:this|my|the) (?:message|text|question)\b",
        r"\b(?:make|have|do) (?:a |some )?(?:little |small |short |quick )?(?:conversation|chat)\b|\bconversational\b|"
        r"\b(?:got |have you got |any )(?:any )?(?:ideas|tips|suggestions) (?:how|for|on)\b|\bany advice\b|\bwhat should i do\b|\b(?:some|your) advice\b|\bcheer me up\b|\bwhat'?s up\b|\bwhats up\b",
    ),
    *_cue(
        "question-answering",
        r"\baccording to\b|\bbased on\b|\bfrom the (?:text|article|email|passage|transcript)\b",
    ),
]

# Where a request says what language its content is in ("a voicemail in Spanish", "the French text").
_CONTENT_NOUNS = (
    r"(?:text|audio|recording|sentence|words|phrase|note|one|menu|sign|letter|message|voicemail|memo|clip|call|"
    r"article|email|review|document|page|speaker|caller|video|post|comment|poem|song|lyrics|label|ad|flyer)"
)
SOURCE_LANGUAGE = re.compile(
    rf"\bfrom\s+({LANGUAGE})\b|\b({LANGUAGE})\s+(?:voice\s+)?{_CONTENT_NOUNS}s?\b|"
    rf"\b(?:is|its|it's|are|was|were|written|spoken|{_CONTENT_NOUNS}s?)\s+(?:all\s+|mostly\s+|entirely\s+|completely\s+)?in\s+({LANGUAGE})\b"
)
_PUT_INTO = re.compile(
    r"\b(?:put|translate|write|get|make|have|turn|give|convert|render|say|read|need|want|be|sound|look)\b[^.?!]{0,25}$"
)


def says_content_language(text: str) -> bool:
    """Whether a clause's "in Spanish" says what its content is in ("a guest left this message at the desk in
    Spanish") rather than asking for it ("put the note in German", "translate it", "what language is it")."""
    if re.search(r"\btranslat|\bwhat language\b", text):
        return False
    m = re.search(rf"\bin ({LANGUAGE})\b", text)
    return m is not None and not _PUT_INTO.search(text[: m.start()])


def source_languages(text: str) -> list[re.Match[str]]:
    """The places where a text says what language its content is in; "put the note in German" is a target."""
    return [
        m for m in SOURCE_LANGUAGE.finditer(text) if m.group(1) or m.group(2) or not _PUT_INTO.search(text[: m.start()])
    ]


# A question about a document image (a receipt's total, an invitation's date) goes to document QA.
DOCUMENT_WORDS = re.compile(
    r"\b(?:receipt|invoice|bill|total|price|cost|costs|amount|due|paid|pay|document|form|menu|ticket|letter|"
    r"invitation|invite|statement|subtotal|tax|vat|how much|when is|what time|date|deadline|sign|notice|allowed|"
    r"mentioned|written)\b"
)
# A file name that says the picture is a document ("receipt_march.jpg", "invite.png", "scan-02.png").
DOCUMENT_NAME = re.compile(
    r"(?:^|[\W_\d])(?:receipt|invoice|bill|menu|ticket|letter|invite|invitation|sign|notice|form|note|flyer|poster|"
    r"document|doc|page|scan|screenshot|complaint|card|label|email|message|contract|report|slide|memo|recipe|"
    r"certificate|sheet|list)s?(?=$|[\W_\d])",
    re.IGNORECASE,
)
# A question asked as a statement: "i need to know when the lunch is", "remind me who signed it"
INDIRECT_QUESTION = re.compile(
    r"\b(?:i (?:really |just |only )?(?:need|want|have|would like|'d like) to (?:know|find out|check)|i wanna know|"
    r"(?:wants?|needs?|wish(?:es)?|would like|'d like) to know|remind me(?: of)?|any idea|i wonder|wondering|(?:i )?can'?t remember|i forg[eo]t|"
    r"find out|(?:is |are |was |were )?ask(?:ing|s|ed)(?: (?:me|us|him|her))?|need to tell(?: \w+){0,2}?)[,:]?\s+"
    r"(?P<q>(?:what|who|whom|whose|when|where|why|how|which|whether|if|the|his|her|their|its)\b.*)"
)
QUESTION = re.compile(
    r"\?\s*$|\b(?:how (?:much|many|long|far|old|big)|when|where|who)\W*$|\btell me (?:(?:to|for|with|from|by|about|on|in|at) )?(?:how|what|who|whom|when|where|which|whether|if)\b|^(?:what|whats|who|whom|whose|when|where|why|how|which|is|are|was|were|do|does|did|can(?!'t)|could|should|will|would)\b"
)
# A text that the request gives as a whole sentence after the instruction, unquoted: "summarize this: ..."
CONTENT_AFTER_COLON = re.compile(r"^(?P<head>[^:\n]{2,80}?)(?::|\n|\s[—–-]{1,2}\s)\s*(?P<body>\S.{6,})$", re.DOTALL)
PLURAL = re.compile(
    r"\b(?:both|each|either|(?<!\bat )all|every|these|those|them|which one|which of|which is the|which (?:card|note|photo|pic|picture|"
    r"image|file|recording|clip|message|review|email|letter|sign)s?\b|(?:two|three) \w+s\b|transcripts|translations|summaries|descriptions|captions|photos|pictures|images|pics|files|recordings|clips|memos|texts)\b"
)
# Where a request refers back to an earlier step's result.
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    "translation": ("translation", "translated"),
    "summarization": ("summary", "summarized", "summarised", "short version", "tl;dr", "tldr"),
    "automatic-speech-recognition": ("transcript", "transcription", "transcribed"),
    "image-to-text": ("description", "caption", "described"),
    "text2text-generation": (
        *("rewrite", "rewritten", "new version", "corrected", "correct sentence", "correct version", "fixed"),
        *("formal version", "simpler version", "simple version", "polite version", "story", "poem", "post", "reply"),
        *("what you wrote", "what you just wrote", "the tweet", "the line"),
    ),
    "text-generation": (
        *("story", "poem", "text you wrote", "result", "quote", "slogan", "haiku", "limerick", "greeting", "tweet"),
        *("reply", "lyrics", "joke"),
    ),
    "question-answering": ("answer",),
    "document-question-answering": ("answer",),
    "visual-question-answering": ("answer",),
    "audio-to-audio": ("denoised", "cleaned", "clean version", "cleaned-up", "cleaner version", "enhanced"),
    "text-to-image": ("you made", "you drew", "you generated", "generated picture", "generated image", "drawing"),
    "image-to-image": (
        *("version", "edited", "blurred", "sharpened", "filtered", "sketched", "the sketch", "the cartoon"),
        *("inverted picture", "you made", "new picture", "new image", "result image", "the result"),
    ),
}
KIND_WORDS: dict[str, re.Pattern[str]] = {
    "image": re.compile(
        rf"\b{IMAGE_WORDS}s?\b|\b(?:sign|note|receipt|poster|menu|invite|invitation|card|flyer|label)\b"
    ),
    "audio": re.compile(rf"\b{AUDIO_WORDS}s?\b|\b(?:voice|call|message|speaker|audio file|wav|mp3)\b"),
    "text": re.compile(r"\b(?:text|review|article|email|e-mail|document|passage|paragraph|file|message|letter)\b"),
}
