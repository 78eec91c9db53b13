"""The everyday-request planner: implicit converters, arguments by role, the content never taken from the
instruction; and role lines as the experts read them."""

from __future__ import annotations

from typing import Any

import pytest

from hugginggpt.errors import PlanError
from hugginggpt.plan import validate_plan
from hugginggpt.planning.everyday import EverydayPlanner
from hugginggpt.planning.spelling import mend
from hugginggpt.roles import split_roles, with_roles

OCR = "read the text"


def steps(request: str, *files: str) -> list[tuple[str, list[int], dict[str, str]]]:
    plan: list[dict[str, Any]] = EverydayPlanner().plan(request, files)
    validate_plan(plan, files)  # every plan the planner makes passes the validator
    return [(t["task"], t["dep"], t["args"]) for t in plan]


@pytest.mark.parametrize(
    ("request_text", "files", "expected"),
    [
        # What is written on an image: OCR, not a classifier.
        ("can u tell me what this says", ("sign.png",), [("image-to-text", [-1], {"image": "sign.png", "text": OCR})]),
        # A text task on a photo of text gets OCR first.
        (
            "is the note in this pic positive?",
            ("note.png",),
            [
                ("image-to-text", [-1], {"image": "note.png", "text": OCR}),
                ("text-classification", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        # Who is mentioned in a recording: speech recognition, then named entities (not a denoiser).
        (
            "who is mentioned in the recording?",
            ("meeting.wav",),
            [
                ("automatic-speech-recognition", [-1], {"audio": "meeting.wav"}),
                ("token-classification", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        # Counting is the detector's.
        ("how many cups are in the photo", ("coffee.png",), [("object-detection", [-1], {"image": "coffee.png"})]),
        # The quoted text is translated, and the translation is read aloud.
        (
            'translate "Good morning, everyone" into French and read it aloud',
            (),
            [
                ("translation", [-1], {"text": "target: French\nGood morning, everyone"}),
                ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        # The summary is of the image's text, not of the instruction.
        (
            "summarize the text in this image",
            ("note.png",),
            [
                ("image-to-text", [-1], {"image": "note.png", "text": OCR}),
                ("summarization", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        # Every sentence takes part in a similarity, the first is the source.
        (
            'how similar are "I love cats" and "Cats are great" and "The stock market fell"?',
            (),
            [("sentence-similarity", [-1], {"text": "I love cats\nCats are great\nThe stock market fell"})],
        ),
        # A question with its context in quotes.
        (
            'When did the bridge open? "The new bridge opened on 3 March 2025."',
            (),
            [
                (
                    "question-answering",
                    [-1],
                    {"text": "question: When did the bridge open?\ncontext: The new bridge opened on 3 March 2025."},
                )
            ],
        ),
        # A text file asked about its sentiment is classified, not summarized.
        (
            "what's the sentiment of review.txt",
            ("review.txt",),
            [("text-classification", [-1], {"text": "review.txt"})],
        ),
        # Labels listed: zero-shot classification with those labels.
        (
            "Is 'Your order has shipped' about shipping, billing or returns?",
            (),
            [("text-classification", [-1], {"text": "labels: shipping, billing, returns\nYour order has shipped"})],
        ),
        # The effect named goes to the image filter.
        (
            "make it look like a pencil sketch",
            ("cat.png",),
            [("image-to-image", [-1], {"image": "cat.png", "text": "pencil sketch"})],
        ),
        (
            "describe the picture and read the description aloud",
            ("astronaut.png",),
            [
                ("image-to-text", [-1], {"image": "astronaut.png", "text": "describe the image"}),
                ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        # One recognition feeds both analyses; the translation reads the transcript.
        (
            "transcribe memo.wav, translate it into Spanish and tell me who it mentions",
            ("memo.wav",),
            [
                ("automatic-speech-recognition", [-1], {"audio": "memo.wav"}),
                ("translation", [0], {"text": "target: Spanish\n<GENERATED>-0"}),
                ("token-classification", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
        (
            "read the receipt and tell me how much the croissant cost",
            ("receipt.png",),
            [
                ("image-to-text", [-1], {"image": "receipt.png", "text": OCR}),
                ("question-answering", [0], {"text": "question: how much the croissant cost?\ncontext: <GENERATED>-0"}),
            ],
        ),
        (
            "what's the total on the receipt?",
            ("receipt.png",),
            [
                (
                    "document-question-answering",
                    [-1],
                    {"image": "receipt.png", "text": "what's the total on the receipt?"},
                )
            ],
        ),
        ("translate good night into German", (), [("translation", [-1], {"text": "target: German\ngood night"})]),
        (
            "Summarize this: The meeting moved to Thursday because the CEO is travelling.",
            (),
            [("summarization", [-1], {"text": "The meeting moved to Thursday because the CEO is travelling."})],
        ),
        (
            "describe both pictures",
            ("cat.png", "coffee.png"),
            [
                ("image-to-text", [-1], {"image": "cat.png", "text": "describe the image"}),
                ("image-to-text", [-1], {"image": "coffee.png", "text": "describe the image"}),
            ],
        ),
        ("is anyone talking in this?", ("noise.wav",), [("audio-classification", [-1], {"audio": "noise.wav"})]),
        ("hi there!", (), [("conversational", [-1], {"text": "hi there!"})]),
    ],
)
def test_plans_read_the_request_like_a_person(
    request_text: str, files: tuple[str, ...], expected: list[tuple[str, list[int], dict[str, str]]]
) -> None:
    assert steps(request_text, *files) == expected


def test_a_given_file_that_no_step_names_is_still_used() -> None:
    assert steps("thanks!", "memo.wav") == [("automatic-speech-recognition", [-1], {"audio": "memo.wav"})]


def test_an_earlier_turns_output_is_not_taken_for_a_new_attachment() -> None:
    assert steps("write a haiku about rain", "runs/x/t0-text-to-speech.wav")[0][0] == "text-generation"


def test_nothing_to_do_with_a_file_says_what_to_ask() -> None:
    with pytest.raises(PlanError, match="say what you want done"):
        EverydayPlanner().plan("   ")


def test_the_instruction_is_never_the_content() -> None:
    with pytest.raises(PlanError, match="there is no text for summarization: put it in quotes"):
        EverydayPlanner().plan("can you summarize this for me?")


def test_role_lines_round_trip_and_leave_plain_texts_alone() -> None:
    text = with_roles("<GENERATED>-0", question="When?")
    assert text == "question: When?\ncontext: <GENERATED>-0"
    assert split_roles(text) == ({"question": "When?"}, "<GENERATED>-0")
    assert split_roles("labels: a, b\nsome text") == ({"labels": "a, b"}, "some text")
    assert split_roles("Just a text.\ntarget: not a role here") == ({}, "Just a text.\ntarget: not a role here")
    # A content that starts like a role line is marked, so no expert reads it as one.
    assert split_roles(with_roles("Target: 3 items left")) == ({}, "Target: 3 items left")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("transalte", "translate"), ("summerize", "summarize"), ("descibe", "describe"), ("transcibe", "transcribe")],
)
def test_one_slip_in_a_task_word_is_mended(typed: str, meant: str) -> None:
    assert mend(f"pls {typed} this") == f"please {meant} this"


def test_phone_shorthand_is_spelled_out_and_words_that_only_look_like_it_are_kept() -> None:
    assert mend("wat breed is she") == "what breed is she"
    assert mend("names n places in it? need a poem 4 a card, transl8 this 2 german") == (
        "names and places in it? need a poem for a card, translate this to german"
    )
    assert (
        mend("the u.s. army, don't, menu_es.png, section 4 of it")
        == "the u.s. army, don't, menu_es.png, section 4 of it"
    )


@pytest.mark.parametrize("word", ["write", "noise", "trench", "translates", "Shakespeare"])
def test_real_words_and_short_words_are_left_alone(word: str) -> None:
    assert mend(word) == word


def test_a_typo_does_not_cost_the_step() -> None:
    plan = EverydayPlanner().plan("can u transalte this into french", ["note.png"])
    assert [t["task"] for t in plan] == ["image-to-text", "translation"]


@pytest.mark.parametrize(
    ("request_text", "files", "tasks"),
    [
        ("Hi! Could you read this aloud for me?", ["note.png"], ["image-to-text", "text-to-speech"]),
        ("could you transcribe this receipt for me", ["receipt.png"], ["image-to-text"]),
        ("tl;dr of the note pls", ["note.png"], ["image-to-text", "summarization"]),
        (
            "translate it into spanish and then have it spoken",
            ["invite.png"],
            ["image-to-text", "translation", "text-to-speech"],
        ),
        (
            "here are note.png and complaint.png. For each one, is it positive or negative?",
            ["note.png", "complaint.png"],
            ["image-to-text", "image-to-text", "text-classification", "text-classification"],
        ),
        # "my cleaner" is a person, not a denoiser; "how mad" asks the mood; "closer to A or B" compares
        (
            "memo.wav -> spanish audio for my cleaner rosa pls. transcribe, translate to spanish, read it out",
            ["memo.wav"],
            ["automatic-speech-recognition", "translation", "text-to-speech"],
        ),
        (
            "what'd they say in complaint.wav, how mad r they?",
            ["complaint.wav"],
            ["automatic-speech-recognition", "text-classification"],
        ),
        (
            'is memo.wav closer to "send the report" or "call maria"?',
            ["memo.wav"],
            ["automatic-speech-recognition", "sentence-similarity"],
        ),
        (
            "meeting.wav - who's meeting who n where? just the names/places/companies",
            ["meeting.wav"],
            ["automatic-speech-recognition", "token-classification"],
        ),
        (
            "a customer sent this screenshot, read it for me and tell me how mad they are",
            ["complaint.png"],
            ["image-to-text", "text-classification"],
        ),
        (
            "caption cat.png and coffee.png, then write a post using both captions",
            ["cat.png", "coffee.png"],
            ["image-to-text", "image-to-text", "text2text-generation"],
        ),
        ("Is review.txt positve or negative overall?", ["review.txt"], ["text-classification"]),
    ],
)
def test_everyday_phrasings(request_text: str, files: list[str], tasks: list[str]) -> None:
    plan = EverydayPlanner().plan(request_text, files)
    assert sorted(t["task"] for t in plan) == sorted(tasks)
    if "transcribe" in request_text and files[0].endswith(".png"):  # an image is read, not transcribed
        assert plan[0]["args"]["text"] == "read the text"


def test_articles_are_not_part_of_labels() -> None:
    plan = EverydayPlanner().plan("my friend sent me this invite, is it about work, a meal or sports?", ["invite.png"])
    assert split_roles(plan[-1]["args"]["text"])[0]["labels"] == "work, meal, sports"


def test_a_question_beside_a_photo_asks_about_the_photo() -> None:
    plan = EverydayPlanner().plan("What is the person in this photo doing?", ["astronaut.png"])
    assert [t["task"] for t in plan] == ["visual-question-answering"]


def test_a_picture_the_request_gave_is_edited_not_drawn() -> None:
    plan = EverydayPlanner().plan("could you make the astronaut picture look like a cartoon?", ["astronaut.png"])
    assert [(t["task"], t["args"].get("text")) for t in plan] == [("image-to-image", "cartoon")]


def test_a_step_on_the_edited_version_takes_the_edit() -> None:
    plan = EverydayPlanner().plan("Sharpen it, then write a caption for the sharpened version.", ["coffee.png"])
    assert [t["task"] for t in plan] == ["image-to-image", "image-to-text"]
    assert plan[1]["args"]["image"] == "<GENERATED>-0"


def tasks_of(request_text: str, *files: str) -> list[str]:
    return [t for t, _, _ in steps(request_text, *files)]


def test_a_reply_answers_the_message_not_its_summary() -> None:
    plan = EverydayPlanner().plan("email.txt: short summary, and draft a reply confirming the visit", ["email.txt"])
    assert plan[-1]["task"] == "text2text-generation" and plan[-1]["args"]["text"].endswith("\nemail.txt")


def test_a_step_the_request_declines_is_not_planned() -> None:
    assert tasks_of("just the words on the poster please, don't translate it", "poster.png") == ["image-to-text"]


def test_a_purpose_clause_is_not_a_step() -> None:
    plan = steps("remove the background of dog.jpg so I can see which parts are the dog", "dog.jpg")
    assert [t for t, _, _ in plan] == ["image-segmentation"]


def test_a_picture_named_like_a_document_is_asked_about_its_words() -> None:
    assert tasks_of("when does it start?", "invitation_party.png") == ["document-question-answering"]
    assert tasks_of("when does it start?", "IMG_0042.jpg") == ["visual-question-answering"]


def test_a_question_after_reading_is_answered_from_the_text() -> None:
    plan = steps("read the text in letter.png and then tell me: where is the parcel?", "letter.png")
    assert [t for t, _, _ in plan] == ["image-to-text", "question-answering"]
    assert split_roles(plan[1][2]["text"])[0]["question"] == "where is the parcel?"


def test_black_and_white_is_one_effect_and_the_next_step_describes_it() -> None:
    plan = steps("make dog.jpg black and white and then tell me what the black and white version shows", "dog.jpg")
    assert [t for t, _, _ in plan] == ["image-to-image", "image-to-text"]
    assert plan[1][2]["image"] == "<GENERATED>-0"


def test_a_second_edit_of_the_edited_picture_names_its_own_effect() -> None:
    plan = steps("blur dog.jpg, then turn the blurred picture into a pencil sketch", "dog.jpg")
    assert [(t, a.get("text")) for t, _, a in plan] == [
        ("image-to-image", "Gaussian blur"),
        ("image-to-image", "pencil sketch"),
    ]


def test_both_results_are_read_aloud() -> None:
    plan = steps("caption a.png and b.png and read both captions out loud", "a.png", "b.png")
    assert sorted(t for t, _, _ in plan) == ["image-to-text", "image-to-text", "text-to-speech", "text-to-speech"]


def test_a_caption_in_a_language_is_a_caption_then_a_translation() -> None:
    plan = steps("I need a German caption for this photo", "dog.jpg")
    assert [t for t, _, _ in plan] == ["image-to-text", "translation"]
    assert split_roles(plan[1][2]["text"])[0]["target"] == "German"


def test_the_language_a_text_is_in_is_its_source() -> None:
    plan = steps("this flyer is in french. what does it say in english?", "flyer.png")
    roles = split_roles(plan[-1][2]["text"])[0]
    assert (roles.get("source"), roles.get("target")) == ("French", "English")


def test_a_question_of_the_transcript_is_answered_from_it() -> None:
    plan = steps("transcribe call.wav and answer this from the transcript: who called?", "call.wav")
    assert [t for t, _, _ in plan] == ["automatic-speech-recognition", "question-answering"]


def test_a_picture_drawn_from_a_summary_takes_the_summary() -> None:
    plan = steps("summarise notes.txt, then draw a picture based on that summary", "notes.txt")
    assert [(t, a["text"]) for t, _, a in plan] == [("summarization", "notes.txt"), ("text-to-image", "<GENERATED>-0")]


def test_the_translated_caption_is_the_one_spoken() -> None:
    plan = steps("caption dog.jpg, put the caption into german, then speak the german caption", "dog.jpg")
    assert [(t, d) for t, d, _ in plan] == [("image-to-text", [-1]), ("translation", [0]), ("text-to-speech", [1])]


def test_what_about_repeats_the_step_on_the_other_file() -> None:
    plan = steps("is the voicemail in call.wav positive? and what about notes.txt?", "call.wav", "notes.txt")
    assert sorted(t for t, _, _ in plan) == [
        "automatic-speech-recognition",
        "text-classification",
        "text-classification",
    ]


def test_the_language_a_recording_is_in_is_no_translation() -> None:
    assert tasks_of("my aunt left a voicemail in italian, just write down what she says", "aunt.wav") == [
        "automatic-speech-recognition"
    ]


def test_a_slip_in_a_file_name_finds_the_attached_file() -> None:
    plan = steps("summarize reprot.txt please", "report.txt")
    assert plan == [("summarization", [-1], {"text": "report.txt"})]


def test_choices_that_close_a_question_are_labels() -> None:
    plan = steps("what's the mood of notes.txt, hopeful or gloomy?", "notes.txt")
    assert split_roles(plan[0][2]["text"])[0]["labels"] == "hopeful, gloomy"


def test_attached_files_are_meant_by_their_names_words_their_order_and_their_kind() -> None:
    # Not one file is named: "the cat pic", "the second one", "the recording" say which.
    assert steps(
        "blur the cat pic and tell me how many people are in the astronaut one", "astronaut.png", "cat.png"
    ) == [
        ("image-to-image", [-1], {"image": "cat.png", "text": "Gaussian blur"}),
        ("object-detection", [-1], {"image": "astronaut.png"}),
    ]
    assert steps("first one translate to english, second one is it positive?", "spanish.wav", "review.txt") == [
        ("automatic-speech-recognition", [-1], {"audio": "spanish.wav"}),
        ("translation", [0], {"text": "target: English\n<GENERATED>-0"}),
        ("text-classification", [-1], {"text": "review.txt"}),
    ]
    assert steps("the text file - whats the mood? the image - read it to me out loud", "review.txt", "sign.png") == [
        ("text-classification", [-1], {"text": "review.txt"}),
        ("image-to-text", [-1], {"image": "sign.png", "text": OCR}),
        ("text-to-speech", [1], {"text": "<GENERATED>-1"}),
    ]


def test_a_file_the_request_rules_out_is_left_alone() -> None:
    assert steps(
        "read the sign out loud for my dad, not the receipt i uploaded by accident", "sign.png", "receipt.png"
    ) == [
        ("image-to-text", [-1], {"image": "sign.png", "text": OCR}),
        ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
    ]


def test_the_story_around_a_request_adds_no_step() -> None:
    # The nephew's wish and "she can't draw" tell why; the request is the sentence that asks.
    assert steps("my nephew wants an animated clip. could you generate a short video of a whale swimming?") == [
        ("text-to-video", [-1], {"text": "a whale swimming"}),
    ]
    assert steps("she can't draw, neither can i. could you turn this into a pencil sketch?", "coffee.png") == [
        ("image-to-image", [-1], {"image": "coffee.png", "text": "pencil sketch"}),
    ]
    # "they just want the gist" names the summary already asked for.
    assert steps("summarize article.txt, then translate that summary into french. they just want the gist") == [
        ("summarization", [-1], {"text": "article.txt"}),
        ("translation", [0], {"text": "target: French\n<GENERATED>-0"}),
    ]


@pytest.mark.parametrize(
    ("request_text", "files", "expected"),
    [
        # Labels enumerated "(a) x (b) y", the text after a spaced dash.
        (
            "classify this as (a) sports (b) politics (c) cooking — Whisk the eggs and bake for twenty minutes.",
            (),
            [
                (
                    "text-classification",
                    [-1],
                    {"text": "labels: sports, politics, cooking\nWhisk the eggs and bake for twenty minutes."},
                )
            ],
        ),
        # "how do u say X in german": X is the content.
        ("how do u say good night in german", (), [("translation", [-1], {"text": "target: German\ngood night"})]),
        # Speech in a recording, not a detector's "is there any".
        (
            "is there any speech in it or is it just static?",
            ("noise.wav",),
            [("audio-classification", [-1], {"audio": "noise.wav"})],
        ),
        # Lines of a receipt are its text; people are what a detector counts.
        (
            "how many items are on the receipt?",
            ("receipt.png",),
            [
                (
                    "document-question-answering",
                    [-1],
                    {"image": "receipt.png", "text": "how many items are on the receipt?"},
                )
            ],
        ),
        # A question of the words, asked before its answer is spoken.
        (
            "listen to memo.wav and tell me out loud who the report goes to",
            ("memo.wav",),
            [
                ("automatic-speech-recognition", [-1], {"audio": "memo.wav"}),
                ("question-answering", [0], {"text": "question: who the report goes to?\ncontext: <GENERATED>-0"}),
                ("text-to-speech", [1], {"text": "<GENERATED>-1"}),
            ],
        ),
    ],
)
def test_phone_and_plain_phrasings_get_their_arguments(
    request_text: str, files: tuple[str, ...], expected: list[Any]
) -> None:
    assert steps(request_text, *files) == expected


@pytest.mark.parametrize(
    ("request_text", "files", "expected"),
    [
        # A language corrected.
        (
            "translate the note to french, no wait, german",
            ("note.png",),
            [
                ("image-to-text", [-1], {"image": "note.png", "text": OCR}),
                ("translation", [0], {"text": "target: German\n<GENERATED>-0"}),
            ],
        ),
        # A new request replaces the old one; the file named before it is still the one meant.
        (
            "summarize article.txt pls - actually scratch that, i just need to know who the mayor is",
            ("article.txt",),
            [("question-answering", [-1], {"text": "question: who the mayor is?\ncontext: article.txt"})],
        ),
        # A step turned down.
        (
            "transcribe memo.wav and then translate it to italian. actually dont bother with the italian",
            ("memo.wav",),
            [("automatic-speech-recognition", [-1], {"audio": "memo.wav"})],
        ),
        # Another kind of result, the same prompt.
        (
            "generate a picture of a lighthouse at sunset, actually make it a short video instead",
            (),
            [("text-to-video", [-1], {"text": "a lighthouse at sunset"})],
        ),
        # Another file.
        (
            "check the tone of the note for me. sorry, i mean complaint.png, not the library one",
            ("note.png", "complaint.png"),
            [
                ("image-to-text", [-1], {"image": "complaint.png", "text": OCR}),
                ("text-classification", [0], {"text": "<GENERATED>-0"}),
            ],
        ),
    ],
)
def test_a_request_that_corrects_itself_is_planned_as_finally_meant(
    request_text: str, files: tuple[str, ...], expected: list[Any]
) -> None:
    assert steps(request_text, *files) == expected


def test_steps_run_in_the_order_they_need_whatever_order_they_are_named_in() -> None:
    assert steps("before you read it out, fix the grammar in this: me and him goes to the shop") == [
        ("text2text-generation", [-1], {"text": "fix the grammar in this\nme and him goes to the shop"}),
        ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
    ]
    assert steps("make me a short video out of the description of this photo. so describe it first", "coffee.png") == [
        ("image-to-text", [-1], {"image": "coffee.png", "text": "describe the image"}),
        ("text-to-video", [0], {"text": "<GENERATED>-0"}),
    ]
    # "the original": both translations are of the sentence, not one of the other.
    assert steps('translate "see you soon" into french and into german, both from the original') == [
        ("translation", [-1], {"text": "target: French\nsee you soon"}),
        ("translation", [-1], {"text": "target: German\nsee you soon"}),
    ]


def test_a_question_asked_as_a_statement_is_a_question_unless_it_says_why() -> None:
    assert steps("i need to know when the lunch on this invite is", "invite.png") == [
        ("document-question-answering", [-1], {"image": "invite.png", "text": "when the lunch on this invite is?"}),
    ]
    # "I want to know who to reply to first" is why the sentiment is asked for.
    assert [t for t, _, _ in steps("is review.txt positive? I want to know who to reply to first.")] == [
        "text-classification"
    ]


def test_my_own_requests_get_the_steps_they_ask_for() -> None:
    # Found by trying requests by hand: a bare language ends a chain, "is it nice" asks the mood, "sort X:" lists labels.
    assert steps("put the voice note into writing and then french", "memo.wav") == [
        ("automatic-speech-recognition", [-1], {"audio": "memo.wav"}),
        ("translation", [0], {"text": "target: French\n<GENERATED>-0"}),
    ]
    assert [t for t, _, _ in steps("what does the card say and is it nice", "note.png")] == [
        "image-to-text",
        "text-classification",
    ]
    assert steps("sort this review: food, service, price or atmosphere?", "review.txt") == [
        ("text-classification", [-1], {"text": "labels: food, service, price, atmosphere\nreview.txt"}),
    ]


def test_terse_and_technical_requests_chain_their_steps() -> None:
    # Arrows chain steps; a bare language after an arrow is the target; task names are cues.
    assert steps("sign text -> audio", "sign.png") == [
        ("image-to-text", [-1], {"image": "sign.png", "text": OCR}),
        ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
    ]
    assert steps("thank you for everything -> japanese, + audio of it") == [
        ("translation", [-1], {"text": "target: Japanese\nthank you for everything"}),
        ("text-to-speech", [0], {"text": "<GENERATED>-0"}),
    ]
    assert [
        t
        for t, _, _ in steps(
            "OCR invite.png and then run extractive QA over the extracted text: who is it with?", "invite.png"
        )
    ] == [
        "image-to-text",
        "question-answering",
    ]
    assert steps("email.txt topic — business, sports or travel?", "email.txt") == [
        ("text-classification", [-1], {"text": "labels: business, sports, travel\nemail.txt"}),
    ]
    # Two files named together each get the analysis.
    assert [
        t for t, _, _ in steps("note.png vs complaint.png, positive or negative?", "note.png", "complaint.png")
    ] == [
        "image-to-text",
        "image-to-text",
        "text-classification",
        "text-classification",
    ]


def test_learner_phrasings_and_narration_get_the_step_meant() -> None:
    assert [t for t, _, _ in steps("Please, look receipt and say me how much I pay in total.", "receipt.png")] == [
        "document-question-answering"
    ]
    # "so I can't see it" is not a purpose clause to drop; the question after it stays.
    assert steps("I'm blind so I can't see it myself - what colour is the cup, please?", "coffee.png") == [
        ("visual-question-answering", [-1], {"image": "coffee.png", "text": "what colour is the cup?"}),
    ]
    # A picture someone forwarded is the input, not a picture to draw.
    assert [
        t for t, _, _ in steps("someone forwarded me a picture of an invitation. read whats on it", "invite.png")
    ] == ["image-to-text"]
    # "what is it doing?" of cat.png names the cat for the model.
    assert steps("what is it doing?", "cat.png") == [
        ("visual-question-answering", [-1], {"image": "cat.png", "text": "what is the cat doing?"}),
    ]
    # "the other image" is the one not yet acted on; "do the same for" repeats the step.
    assert [
        a.get("image")
        for _, _, a in steps("describe the first photo, then do the same for the other one", "cat.png", "coffee.png")
    ] == [
        "cat.png",
        "coffee.png",
    ]


def test_polite_lists_several_edits_and_shared_questions() -> None:
    # Two effects listed in one step are two edits of the same photo; a default edit takes the effect named later.
    assert [a.get("text") for _, _, a in steps("give me cat.png two ways: (a) cartoon, (b) blurred", "cat.png")] == [
        "cartoon",
        "Gaussian blur",
    ]
    assert [a.get("text") for _, _, a in steps("make it look old-fashioned, sepia I think it's called", "cat.png")] == [
        "sepia tone"
    ]
    # Two languages named together are two translations of the same text.
    assert [(t, d) for t, d, _ in steps("what the sign says, plus German and Italian versions", "sign.png")] == [
        ("image-to-text", [-1]),
        ("translation", [0]),
        ("translation", [0]),
    ]
    # "for each one:" asks what follows of every file.
    assert [
        t
        for t, _, _ in steps(
            "note.png and complaint.png. For each one: read it, is it angry?", "note.png", "complaint.png"
        )
    ] == ["image-to-text", "image-to-text", "text-classification", "text-classification"]
    # A wh-question and a short one joined by "and" are one question of one text.
    assert steps("who wrote email.txt and when?", "email.txt") == [
        ("question-answering", [-1], {"text": "question: who wrote email.txt and when?\ncontext: email.txt"}),
    ]
    # A polite request to "look at both" asks nothing new.
    assert [t for t, _, _ in steps("Is review.txt favourable? Would you mind looking at it for me?", "review.txt")] == [
        "text-classification"
    ]
    # A reply to a quoted message is written from it; a table's question goes to the table classifier.
    assert steps('draft a polite reply to this: "Where is my parcel?"')[0][0] == "text2text-generation"
    assert steps("the last rows of flowers.csv lack a species, what are they?", "flowers.csv")[0][0] == (
        "tabular-classification"
    )
    # "clean it up so I can hear it" wants the cleaned recording, not speech made from it.
    assert [t for t, _, _ in steps("clean up memo.wav so my boss can hear it", "memo.wav")] == ["audio-to-audio"]
    # A quote that names a post is its title: the question is about the receipt.
    assert [t for t, _, _ in steps("doing a 'money diary' post, whats the total here", "receipt.png")] == [
        "document-question-answering"
    ]


def test_terse_dictated_and_mixed_language_requests() -> None:
    # Fragments chain with ">" and "+"; "both" alone applies the step before to every file.
    assert [t for t, _, _ in steps("denoise > transcribe > read back", "memo.wav")] == [
        "audio-to-audio",
        "automatic-speech-recognition",
        "text-to-speech",
    ]
    assert [t for t, _, _ in steps("mood? both", "note.png", "complaint.png")].count("text-classification") == 2
    # A field asked by its name with its context quoted; slashes list labels.
    assert steps('pickup time? "Pickup at 4pm at the front gate."')[0][2]["text"].startswith(
        "question: what is the pickup time?"
    )
    assert steps('food / travel / work? "book the flight to Rome"')[0][2]["text"].startswith(
        "labels: food, travel, work"
    )
    # Dictation: spoken punctuation and "there" for "they're".
    assert [t for t, _, _ in steps("is it a persian cat question mark", "cat.png")] == ["image-classification"]
    assert "text-classification" in [
        t for t, _, _ in steps("write down what they said and tell me if there annoyed", "complaint.wav")
    ]
    # Words of other languages: "la foto", "el audio", "resumen".
    assert [t for t, _, _ in steps("make la foto look like a cartoon por favor", "cat.png")] == ["image-to-image"]
    assert [t for t, _, _ in steps("resumen de article.txt, then in Spanish", "article.txt")] == [
        "summarization",
        "translation",
    ]
    # A story around the request adds no step; a person's "says" is no text to read.
    assert [t for t, _, _ in steps("the vet says she is a tabby. what breed is she really?", "cat.png")] == [
        "image-classification"
    ]


def test_every_benchmark_request_plans_or_says_why() -> None:
    # The planner answers every bundled request with a valid plan or a PlanError, never a crash.
    from hugginggpt.errors import PlanError
    from hugginggpt.eval.requests import load_cases

    for case in [*load_cases("train"), *load_cases("test")]:
        try:
            plan = EverydayPlanner().plan(case.request, case.files)
        except PlanError:
            continue
        validate_plan(plan, case.files)
