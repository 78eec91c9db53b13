"""The embedded controller: plans with the everyday-request planner (`planning/everyday.py`), picks for
each task the model its arguments and the request call for (else the top-ranked runnable one), and
answers from the results. No LLM service needed. (The learned fast planner is TaskBench's; a local-LLM
planner lost to it there: see the README's planning benchmark.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hugginggpt.answer import TemplateResponder
from hugginggpt.config import Settings
from hugginggpt.errors import ConfigError
from hugginggpt.experts.base import ExpertBackend
from hugginggpt.llm import ChatModel, build_chat_model
from hugginggpt.planner import PlanStage
from hugginggpt.planning.stage import EverydayPlanningStage


@dataclass(frozen=True)
class EmbeddedStages:
    model: ChatModel
    planner: PlanStage
    responder: TemplateResponder


class _NoModel:
    """Stands in where the local LLM is not prepared: the fast planner and the template need none."""

    name = "embedded (no local LLM)"

    def generate(self, messages: object, **_: object) -> object:
        raise ConfigError("the local LLM is not prepared; run `make install`")


def embedded_stages(settings: Settings, backends: Sequence[ExpertBackend]) -> EmbeddedStages:
    try:
        model: ChatModel | None = build_chat_model(settings, backends)
    except ConfigError:
        model = None  # no local LLM: the fast planner and template answers still work
    planner = EverydayPlanningStage(settings.max_tasks)
    phraser = model if settings.answer_style == "llm" else None
    return EmbeddedStages(model or _NoModel(), planner, TemplateResponder(phraser))  # type: ignore[arg-type]
