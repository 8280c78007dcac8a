"""Pydantic models for the knowledge base files under ``knowledge/``.

Each YAML file maps onto one of the ``*File`` models below; the loader
assembles them into a :class:`KnowledgeBase`. Every model forbids unknown
keys so that a typo in a YAML key is reported, not silently ignored.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]*$", min_length=1, max_length=64),
]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

Aspect = Id  # any aspect id defined in aspects.yaml; the code relies on none of them

# What an aspect is used for besides answering questions about it. The code asks for a
# role, never for an aspect id, so aspects can be added or renamed in aspects.yaml alone.
#   overview : a headline fact, shown when someone asks "tell me about X"
#   compare  : a row of /compare when no aspect is chosen
#   good_at  : what a model is good at ("is X good for coding?", "X or Y for coding?")
#   use_case : what the sources say a model is mainly for (a comparison's default row)
#   maker    : who makes the model ("which one is Meta's?")
AspectRole = Literal["overview", "compare", "good_at", "use_case", "maker"]


class Strict(BaseModel):
    """Base for every knowledge model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """The same statement in English and Chinese. Both are required."""

    en: NonEmpty
    zh: NonEmpty


class Phrasings(Strict):
    """Ways people ask for something, per language. Matching is fuzzy and case-blind."""

    en: list[NonEmpty] = Field(default_factory=list)
    zh: list[NonEmpty] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.zh]


class Citation(Strict):
    """A verbatim quote from a source. The section is derived from the source's headings."""

    source: Id
    quote: NonEmpty
    # Filled in by the loader: the section from the source's headings. Admins never type
    # it here; glosses of the quote and the section are looked up in glosses.yaml.
    _section: str = PrivateAttr(default="")

    @property
    def section(self) -> str:
        return self._section


class Source(Strict):
    """One source document, stored verbatim under ``knowledge/sources/``."""

    id: Id
    title: NonEmpty
    publisher: NonEmpty
    date: date
    language: Literal["en", "zh"]
    file: NonEmpty
    url: str | None = None
    # How answers name it when several sources are loaded ("Meta's Llama 3.1 model card").
    cited_as: Text | None = None


class SourcesFile(Strict):
    sources: list[Source]


class Fact(Strict):
    """One claim about a model, in both languages, backed by quotes.

    ``stated: false`` marks an answer that says the article does *not* give
    this information (its text then says what the article does say instead).
    """

    aspect: Aspect
    text: Text
    stated: bool = True
    # Details the fact does not give (concept ids): asked for, they are "not stated".
    lacks: list[Id] = Field(default_factory=list)
    # The model's variants this fact is about (ids from the model's `variants`); empty
    # means the entry as a whole.
    variants: list[Id] = Field(default_factory=list)
    # Sources whose different statement of this aspect an admin has read and keeps beside
    # this one: `check` stops warning about the pair.
    compared_with: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(min_length=1)

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(c.source for c in self.citations))


class Variant(Strict):
    """One size or edition of a model family ("Llama 3.1 70B")."""

    id: Id
    name: NonEmpty
    # Ways people write it after the family name, or on their own: "70b", "70 b".
    aliases: list[NonEmpty] = Field(default_factory=list)


class Model(Strict):
    """One language model that the article covers (``knowledge/models/<id>.yaml``)."""

    id: Id
    name: NonEmpty
    vendor: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    summary: Text
    # The aspects whose facts back the summary: their quotes are its citations.
    summary_aspects: list[Aspect] = Field(default_factory=list)
    # Concepts the article states of this model ("open source", "made in China"): a
    # recommendation asked with one of them puts the models that have it first.
    traits: list[Id] = Field(default_factory=list)
    # Sizes or editions of the family; "llama 3.1 70b" names the entry and its variant.
    variants: list[Variant] = Field(default_factory=list)
    facts: list[Fact] = Field(min_length=1)


class RankedModel(Strict):
    model: Id
    reason: Text
    citations: list[Citation] = Field(min_length=1)


class UseCase(Strict):
    """A job someone wants a model for, with the article's ranking of models."""

    id: Id
    name: Text
    phrasings: Phrasings
    # Concepts (concepts.yaml) whose words also point at this job: "snappy", "秒回".
    concepts: list[Id] = Field(default_factory=list)
    ranking: list[RankedModel] = Field(default_factory=list)
    # Said when the article does not rank models for this job, or ranks them only weakly.
    note: Text | None = None


class UseCasesFile(Strict):
    use_cases: list[UseCase]


class Topic(Strict):
    """A general question about the article, answered in both languages."""

    id: Id
    phrasings: Phrasings
    # Words that on their own point at this topic ("prediction", "预测").
    keywords: Phrasings = Field(default_factory=Phrasings)
    # Concepts whose words count as keywords of this topic.
    concepts: list[Id] = Field(default_factory=list)
    # Aspects that, asked of every model at once, are this topic ("when were the three
    # released?" is the timeline, not a table of release dates).
    aspects: list[Id] = Field(default_factory=list)
    # Topics this one wins over when both are named: it is the narrower question
    # ("the author's prediction about China" is the prediction, not China in general).
    outranks: list[Id] = Field(default_factory=list)
    answer: Text
    models: list[Id] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)


class TopicsFile(Strict):
    topics: list[Topic]


class AspectInfo(Strict):
    """Names and trigger words for one aspect (price, parameters, ...).

    An aspect no loaded source states for a model is "not stated" for that model: the bot
    says so and what its sources do say. Nothing marks an aspect as covered or not.
    """

    id: Aspect
    name: Text
    keywords: Phrasings
    concepts: list[Id] = Field(default_factory=list)
    roles: list[AspectRole] = Field(default_factory=list)


class Concept(Strict):
    """Words for one idea, in both languages, shared by use cases, aspects and topics.

    Add a synonym once here and every entry that lists the concept understands it.
    Inflections ("debugging") and typos ("debuging") are handled by the matcher.
    """

    id: Id
    en: list[NonEmpty] = Field(default_factory=list)
    zh: list[NonEmpty] = Field(default_factory=list)

    def all(self) -> list[str]:
        return [*self.en, *self.zh]


class ConceptsFile(Strict):
    concepts: list[Concept]


class Gloss(Strict):
    """A translation of one quoted passage, section heading or source title, shown
    marked as a translation to readers of the other language."""

    quote: NonEmpty
    en: NonEmpty | None = None
    zh: NonEmpty | None = None


class GlossesFile(Strict):
    glosses: list[Gloss]


class OtherEntity(Strict):
    """Something people ask about that is not a first-class model.

    ``topic`` set: the article mentions it, answer with that topic.
    ``topic`` unset: the article does not cover it, and the bot says so.
    """

    id: Id
    name: NonEmpty
    aliases: list[NonEmpty] = Field(min_length=1)
    topic: Id | None = None
    # A company the article names as a model's maker ("Meta"): asking about it asks
    # about that model.
    model: Id | None = None
    # Models the article measures against this entity ("GPT-4o" for Llama's cost):
    # naming it beside one of them is a question about that model, not about it.
    reference_for: list[Id] = Field(default_factory=list)


class Vocabulary(Strict):
    """Cue words the intent matcher uses, editable without touching code."""

    recommend: Phrasings
    compare: Phrasings
    # Words that offer the models named as alternatives ("or", "还是"). "llama or mistral
    # for code review?" names a job and asks for a pick among those two: a recommendation
    # among them. With "vs", "better" or "区别" the models are set side by side instead.
    choice: Phrasings = Field(default_factory=Phrasings)
    overview: Phrasings
    # Words that show a question is about LLMs at all.
    domain: Phrasings
    # Words that point at the source article itself ("the article", "作者").
    article: Phrasings = Field(default_factory=Phrasings)
    # Other names people give the article ("write-up", "the piece"): a question using
    # one is matched against topic phrasings as if it said the first ``article`` word.
    article_names: Phrasings = Field(default_factory=Phrasings)
    # Nouns besides the domain words that name a model when one is chosen ("which tool
    # …", "which provider …"). "which <other noun>" without a domain word chooses
    # something else ("which phone has the best camera") and is declined.
    model_nouns: Phrasings = Field(default_factory=Phrasings)
    # Requests to do a job rather than to pick a model ("write me", "帮我翻译").
    task: Phrasings = Field(default_factory=Phrasings)
    # Words that make a question lean on the previous one ("it", "and", "那…呢").
    follow_up: Phrasings = Field(default_factory=Phrasings)
    # Words that mean every model at once ("all three", "these models", "三个模型").
    all_models: Phrasings = Field(default_factory=Phrasings)
    # Things people may ask to be recommended that are not language models ("laptop",
    # "手机"): "recommend a cheap phone" is not a request for a model.
    not_models: Phrasings = Field(default_factory=Phrasings)
    # Words that say nothing either way about being on topic ("startup", "basically"):
    # they neither count as understood nor as unknown.
    neutral: Phrasings = Field(default_factory=Phrasings)
    # Where a maker is from ("french", "american", "国产"): "is deepseek chinese?" and
    # "它是美国的吗" ask a model's origin, where "does it speak french" asks its languages.
    nationalities: Phrasings = Field(default_factory=Phrasings)


class VocabularyFile(Strict):
    vocabulary: Vocabulary
    other_entities: list[OtherEntity] = Field(default_factory=list)


class AspectsFile(Strict):
    aspects: list[AspectInfo]


class Catalogue(Strict):
    """A set of the bot's own sentences, one :class:`Text` per field.

    ``PLACEHOLDERS`` says, per field, which ``{name}`` placeholders the code that
    uses the sentence fills in; any other placeholder would reach users as literal
    text, so the checker rejects it.
    """

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {}

    @classmethod
    def placeholders_for(cls, field: str) -> frozenset[str]:
        return cls.PLACEHOLDERS.get(field, frozenset())


class Responses(Catalogue):
    """The bot's own sentences; placeholders such as ``{model}`` are filled in."""

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {
        "out_of_scope": frozenset({"models"}),
        "not_a_question": frozenset({"models"}),
        "unknown_model": frozenset({"model", "models"}),
        "unknown_variant": frozenset({"model", "variants"}),
        "per_source": frozenset({"source", "date"}),
        "not_stated": frozenset({"model", "aspect"}),
        "need_model": frozenset({"models"}),
        "no_ranking": frozenset({"models"}),
        "recommend_among": frozenset({"models"}),
        "compare_intro": frozenset({"models"}),
        "rank_position": frozenset({"use_case", "model", "rank"}),
        "rank_absent": frozenset({"use_case", "model", "models"}),
        "variant_not_ranked": frozenset({"use_case", "model", "ranked", "rank"}),
        "not_addressed": frozenset({"aspect", "model"}),
        "not_addressed_any": frozenset({"aspect", "models"}),
    }

    out_of_scope: Text
    unknown_model: Text
    not_stated: Text
    low_confidence: Text
    need_model: Text
    no_ranking: Text
    recommend_intro: Text
    # "Of Llama 3.1 405B and Mistral Large 2, my sources rank for this job:" when a
    # follow-up asks which of the models just compared suits a job. Optional: without it,
    # recommend_intro is said.
    recommend_among: Text | None = None
    compare_intro: Text
    # "For {use_case}, the article ranks {model} #{rank}."
    rank_position: Text
    # "For {use_case}, the article does not name {model}; it recommends {models}."
    rank_absent: Text
    # "For code generation, my sources rank Llama 3.1 405B #3; they do not rank Llama 3.1 8B."
    variant_not_ranked: Text
    # "The article says nothing about {aspect} for {model}." (then what it does say)
    not_addressed: Text
    # "The article gives no {aspect} for any of the models it covers ({models})."
    not_addressed_any: Text
    # A one-line pointer when the bot is asked to do a task itself ("translate this").
    task_request: Text
    # A message that asks nothing (a statement, a bare word, a code paste); Discord ask
    # channels do not show it, mentions and DMs and the console do.
    not_a_question: Text
    # "Llama 3.1 13B is not a variant my sources describe; they cover 8B, 70B and 405B."
    unknown_variant: Text
    # Before each source's statement when several sources state one aspect of a model:
    # "Per Meta's Llama 3.1 model card (2024-07-23):"
    per_source: Text
    # After them, when their figures differ.
    sources_differ: Text


class ResponsesFile(Strict):
    responses: Responses


class Ui(Catalogue):
    """Every sentence and label of the Discord front end (``knowledge/ui.yaml``).

    ``cmd_*`` and ``opt_*`` are slash-command names and descriptions: Discord shows the
    English to en-US/en-GB users and the Chinese to zh-CN users after the next command
    sync. Names must stay lowercase single words (Discord's rule for command names).
    """

    PLACEHOLDERS: ClassVar[dict[str, frozenset[str]]] = {
        "cooldown_notice": frozenset({"seconds"}),
        "console_repl_intro": frozenset({"models"}),
        "unknown_model_option": frozenset({"value", "options"}),
        "unknown_use_case_option": frozenset({"value", "options"}),
        "unknown_aspect_option": frozenset({"value", "options"}),
        "more_quotes": frozenset({"count"}),
        "coverage": frozenset({"models", "facts", "use_cases", "citations"}),
        "source_line": frozenset({"title", "publisher", "date", "language", "facts", "models"}),
        "admin_denied_role": frozenset({"role"}),
        "admin_status_version": frozenset({"version"}),
        "admin_status_loaded": frozenset({"time", "directory"}),
        "admin_status_counts": frozenset({"counts"}),
        "admin_status_analytics": frozenset({"summary"}),
        "kb_counts": frozenset(
            {"sources", "models", "facts", "use_cases", "topics", "phrasings", "citations"}
        ),
        "analytics_counts": frozenset({"questions", "answered", "feedback", "helpful"}),
        "analytics_unavailable": frozenset({"path"}),
        "admin_reload_ok": frozenset({"version"}),
        "admin_reload_rejected": frozenset({"version"}),
        "admin_check_ok": frozenset({"counts"}),
        "admin_check_problems": frozenset({"count"}),
        "admin_log_reload_rejected": frozenset({"version"}),
        "kb_attached": frozenset({"file"}),
        "kb_edit_refused": frozenset({"message"}),
        "kb_already_saved": frozenset({"revision"}),
        "kb_preview_title": frozenset({"what"}),
        "kb_preview_reason": frozenset({"reason"}),
        "kb_preview_files": frozenset({"files"}),
        "kb_preview_problems": frozenset({"count"}),
        "kb_preview_routing": frozenset({"count"}),
        "kb_closest_passage": frozenset({"passage"}),
        "kb_more": frozenset({"count"}),
        "kb_result_applied": frozenset({"revision"}),
        "kb_result_not_live": frozenset({"reason"}),
        "kb_rescored_hit": frozenset({"question", "target"}),
        "kb_rescored_miss": frozenset({"question", "target"}),
        "kb_result_changed": frozenset({"files"}),
        "kb_result_invalid": frozenset({"message"}),
        "kb_result_failed": frozenset({"message"}),
        "kb_form_text": frozenset({"entry"}),
        "kb_form_phrasings": frozenset({"entry"}),
        "kb_form_quote": frozenset({"entry", "number"}),
        "kb_reason_teach": frozenset({"count"}),
        "kb_card_phrasings": frozenset({"language"}),
        "kb_card_note": frozenset({"language"}),
        "kb_card_answer": frozenset({"language"}),
        "kb_card_text": frozenset({"language"}),
        "kb_button_open": frozenset({"entry"}),
        "kb_entry_gone": frozenset({"entry"}),
        "kb_no_quotes": frozenset({"entry"}),
        "kb_find_answered": frozenset({"confidence", "target"}),
        "kb_find_unsure": frozenset({"confidence", "target"}),
        "kb_find_declined": frozenset({"confidence", "target"}),
        "kb_revision_line": frozenset({"actor", "entries", "reason", "revision", "source", "time"}),
        "kb_history_header": frozenset({"count", "entry"}),
        "kb_history_none_entry": frozenset({"entry"}),
        "kb_revision_gone": frozenset({"revision"}),
        "kb_teach_header": frozenset({"page", "pages"}),
        "kb_cluster_title": frozenset({"count", "languages", "number", "users"}),
        "kb_teach_add": frozenset({"entry"}),
        "kb_teach_pick_header": frozenset({"question"}),
        "kb_export_done": frozenset({"file"}),
        "kb_export_too_big": frozenset({"size"}),
        "kb_import_too_big": frozenset({"limit", "size"}),
        "kb_log_reload_held": frozenset({"version"}),
        "kb_log_reload_removed": frozenset({"entries", "version"}),
        "kb_digest": frozenset({"count", "total"}),
        "kb_status_held": frozenset({"reason"}),
        "kb_status_removed": frozenset({"entries"}),
        "kb_reload_held": frozenset({"reason"}),
        "kb_reload_removed": frozenset({"entries"}),
        "unknown_entry_option": frozenset({"options", "value"}),
    }

    # -- replies -------------------------------------------------------------
    cooldown_notice: Text
    apology: Text
    unknown_model_option: Text
    unknown_use_case_option: Text
    unknown_aspect_option: Text
    compare_needs_two: Text
    feedback_thanks: Text
    # -- answer embeds ---------------------------------------------------------
    title_default: Text
    title_unsure: Text
    title_declined: Text
    label_sources: Text
    label_sources_more: Text
    label_confidence: Text
    label_did_you_mean: Text
    label_not_stated: Text
    label_coverage: Text
    more_quotes: Text
    translation_mark: Text
    coverage: Text
    source_line: Text
    # -- "Why this answer?" ----------------------------------------------------
    why_button: Text
    why_title: Text
    why_rule: Text
    why_evidence: Text
    why_runner_up: Text
    why_nothing: Text
    why_expired: Text
    # -- admin replies -----------------------------------------------------------
    admin_denied_role: Text
    admin_denied_permission: Text
    admin_status_version: Text
    admin_status_loaded: Text
    admin_status_counts: Text
    admin_status_analytics: Text
    admin_status_error_header: Text
    admin_status_no_error: Text
    kb_counts: Text
    analytics_counts: Text
    analytics_unavailable: Text
    admin_reload_ok: Text
    admin_reload_rejected: Text
    admin_check_ok: Text
    admin_check_problems: Text
    admin_unanswered_none: Text
    admin_log_reload_rejected: Text
    # -- the knowledge editor (/kb) ---------------------------------------------------
    kb_attached: Text
    kb_edit_refused: Text
    kb_editor_unavailable: Text
    kb_expired: Text
    kb_already_saved: Text
    kb_cannot_confirm: Text
    kb_preview_title: Text
    kb_preview_reason: Text
    kb_preview_files: Text
    kb_preview_noop: Text
    kb_preview_problems: Text
    kb_preview_references: Text
    kb_preview_warnings: Text
    kb_preview_routing: Text
    kb_preview_regression: Text
    kb_preview_conflict: Text
    kb_preview_confirm_hint: Text
    kb_closest_passage: Text
    kb_more: Text
    kb_confirm: Text
    kb_cancel: Text
    kb_reapply: Text
    kb_edit_again: Text
    kb_use_passage: Text
    kb_undo_button: Text
    kb_undo_change_button: Text
    kb_restore_button: Text
    kb_revert_button: Text
    kb_cancelled: Text
    kb_result_applied: Text
    kb_result_not_live: Text
    kb_rescored: Text
    kb_rescored_hit: Text
    kb_rescored_miss: Text
    kb_result_noop: Text
    kb_result_changed: Text
    kb_result_invalid: Text
    kb_result_busy: Text
    kb_result_failed: Text
    kb_nothing_to_change: Text
    kb_phrasings_too_long: Text
    kb_form_text: Text
    kb_form_phrasings: Text
    kb_form_quote: Text
    kb_form_new_use_case: Text
    kb_form_new_topic: Text
    kb_field_text_en: Text
    kb_field_text_zh: Text
    kb_field_reason: Text
    kb_field_phrasings_en: Text
    kb_field_phrasings_zh: Text
    kb_field_quote: Text
    kb_field_id: Text
    kb_field_name_en: Text
    kb_field_name_zh: Text
    kb_field_answer_en: Text
    kb_field_answer_zh: Text
    kb_reason_teach: Text
    kb_kind_use_case: Text
    kb_kind_topic: Text
    kb_kind_fact: Text
    kb_card_phrasings: Text
    kb_card_note: Text
    kb_card_answer: Text
    kb_card_text: Text
    kb_card_ranking: Text
    kb_card_quotes: Text
    kb_card_none: Text
    kb_button_edit: Text
    kb_button_phrasings: Text
    kb_button_quote: Text
    kb_button_history: Text
    kb_button_delete: Text
    kb_button_open: Text
    kb_entry_gone: Text
    kb_no_quotes: Text
    kb_pick_quote: Text
    kb_find_title: Text
    kb_find_outcome: Text
    kb_find_answered: Text
    kb_find_unsure: Text
    kb_find_declined: Text
    kb_find_use_cases: Text
    kb_find_topics: Text
    kb_revision_line: Text
    kb_no_reason: Text
    kb_history_header: Text
    kb_history_none: Text
    kb_history_none_entry: Text
    kb_pick_revision: Text
    kb_revision_gone: Text
    kb_undo_nothing: Text
    kb_teach_header: Text
    kb_cluster_title: Text
    kb_cluster_examples: Text
    kb_cluster_why: Text
    kb_cluster_last_seen: Text
    kb_cluster_picked: Text
    kb_cluster_target: Text
    kb_cluster_ignored: Text
    kb_miss_declined: Text
    kb_miss_unsure: Text
    kb_miss_low: Text
    kb_miss_down: Text
    kb_miss_picked: Text
    kb_teach_add: Text
    kb_teach_other: Text
    kb_teach_new: Text
    kb_teach_ignore: Text
    kb_teach_pick_entry: Text
    kb_teach_pick_header: Text
    kb_ignore_failed: Text
    kb_export_done: Text
    kb_export_too_big: Text
    kb_import_too_big: Text
    kb_audit: Text
    kb_audit_host: Text
    kb_log_reload_held: Text
    kb_log_reload_removed: Text
    kb_digest: Text
    kb_status_held: Text
    kb_status_removed: Text
    kb_reload_held: Text
    kb_reload_removed: Text
    unknown_entry_option: Text
    choice_use_case: Text
    choice_topic: Text
    choice_merge: Text
    choice_replace: Text
    # -- slash commands (names, descriptions) --------------------------------------
    cmd_ask: Text
    cmd_ask_desc: Text
    opt_question_desc: Text
    cmd_compare: Text
    cmd_compare_desc: Text
    opt_model_a_desc: Text
    opt_model_b_desc: Text
    opt_model_c_desc: Text
    opt_compare_aspect_desc: Text
    cmd_model: Text
    cmd_model_desc: Text
    opt_model_name_desc: Text
    opt_model_aspect_desc: Text
    cmd_recommend: Text
    cmd_recommend_desc: Text
    opt_use_case_desc: Text
    cmd_sources: Text
    cmd_sources_desc: Text
    cmd_help: Text
    cmd_help_desc: Text
    cmd_kb: Text
    cmd_kb_desc: Text
    cmd_kb_status: Text
    cmd_kb_status_desc: Text
    cmd_kb_reload: Text
    cmd_kb_reload_desc: Text
    cmd_kb_check: Text
    cmd_kb_check_desc: Text
    cmd_kb_unanswered: Text
    cmd_kb_unanswered_desc: Text
    opt_limit_desc: Text
    cmd_kb_find: Text
    cmd_kb_find_desc: Text
    opt_query_desc: Text
    cmd_kb_open: Text
    cmd_kb_open_desc: Text
    opt_entry_desc: Text
    cmd_kb_new: Text
    cmd_kb_new_desc: Text
    opt_kind_desc: Text
    cmd_kb_delete: Text
    cmd_kb_delete_desc: Text
    opt_reason_desc: Text
    cmd_kb_history: Text
    cmd_kb_history_desc: Text
    opt_history_entry_desc: Text
    cmd_kb_undo: Text
    cmd_kb_undo_desc: Text
    cmd_kb_export: Text
    cmd_kb_export_desc: Text
    cmd_kb_import: Text
    cmd_kb_source: Text
    cmd_kb_source_desc: Text
    cmd_kb_source_add: Text
    cmd_kb_source_add_desc: Text
    opt_source_file_desc: Text
    opt_source_id_desc: Text
    opt_source_title_desc: Text
    opt_source_publisher_desc: Text
    opt_source_date_desc: Text
    opt_source_language_desc: Text
    opt_source_title_gloss_desc: Text
    opt_source_cited_en_desc: Text
    opt_source_cited_zh_desc: Text
    choice_english: Text
    choice_chinese: Text
    cmd_kb_import_desc: Text
    opt_file_desc: Text
    opt_mode_desc: Text
    opt_force_desc: Text

    # -- the console (python -m bot ask / repl) ------------------------------------
    console_sources: Text
    console_did_you_mean: Text
    console_intent: Text
    console_confidence: Text
    console_unsure: Text
    console_translation: Text
    console_repl_intro: Text
    console_repl_hint: Text
    console_bot_hint: Text

    def text(self, field: str, lang: str, **values: object) -> str:
        """The entry ``field`` in ``lang`` ("zh" or anything else for English), filled in."""
        entry: Text = getattr(self, field)
        out = entry.zh if lang == "zh" else entry.en
        for key, value in values.items():
            out = out.replace("{" + key + "}", str(value))
        return out


class UiFile(Strict):
    ui: Ui


class KnowledgeBase(Strict):
    """Everything the engine knows, validated and cross-checked."""

    sources: dict[str, Source]
    source_texts: dict[str, str]
    models: dict[str, Model]
    use_cases: dict[str, UseCase]
    topics: dict[str, Topic]
    aspects: dict[str, AspectInfo]
    vocabulary: Vocabulary
    other_entities: dict[str, OtherEntity]
    responses: Responses
    concepts: dict[str, Concept] = Field(default_factory=dict)
    ui: Ui
    # Collapsed text of a quote, heading or title -> its translations by language.
    glosses: dict[str, dict[str, str]] = Field(default_factory=dict)
    version: str = ""

    def role(self, role: str) -> list[str]:
        """The aspects that play ``role`` (see :data:`AspectRole`), in aspects.yaml order."""
        return [a.id for a in self.aspects.values() if role in a.roles]

    def gloss(self, text: str, source_id: str, lang: str) -> str | None:
        """``text`` (from source ``source_id``) in ``lang``, when the source is in another
        language and glosses.yaml has it; None otherwise."""
        source = self.sources.get(source_id)
        if source is None or source.language == lang:
            return None
        return self.glosses.get(" ".join(text.split()), {}).get(lang)

    def restrict(self, source_ids: set[str]) -> KnowledgeBase:
        """This knowledge with only the facts, rankings and topics of ``source_ids``:
        what the bot knew before the other sources were added (evaluation sets written
        for one source are scored against it)."""

        def keep(citations: list[Citation]) -> bool:
            return all(c.source in source_ids for c in citations)

        models = {}
        for mid, m in self.models.items():
            facts = [f for f in m.facts if keep(f.citations)]
            if facts:
                # Only the variants those sources describe: another size is then unknown.
                described = {v for f in facts for v in f.variants}
                variants = [v for v in m.variants if v.id in described]
                models[mid] = m.model_copy(update={"facts": facts, "variants": variants})
        return self.model_copy(
            update={
                "sources": {k: v for k, v in self.sources.items() if k in source_ids},
                "source_texts": {k: v for k, v in self.source_texts.items() if k in source_ids},
                "models": models,
                "use_cases": {
                    k: u.model_copy(update={"ranking": [r for r in u.ranking if keep(r.citations)]})
                    for k, u in self.use_cases.items()
                },
                "topics": {k: t for k, t in self.topics.items() if keep(t.citations)},
            }
        )

    def counts(self) -> dict[str, int]:
        facts = sum(len(m.facts) for m in self.models.values())
        phrasings = sum(len(u.phrasings.all()) for u in self.use_cases.values()) + sum(
            len(t.phrasings.all()) for t in self.topics.values()
        )
        citations = (
            sum(len(f.citations) for m in self.models.values() for f in m.facts)
            + sum(len(r.citations) for u in self.use_cases.values() for r in u.ranking)
            + sum(len(t.citations) for t in self.topics.values())
        )
        return {
            "sources": len(self.sources),
            "models": len(self.models),
            "facts": facts,
            "use cases": len(self.use_cases),
            "topics": len(self.topics),
            "phrasings": phrasings,
            "citations": citations,
        }


PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def figures_differ(a: Fact, b: Fact, model: Model | None = None) -> bool:
    """Whether two facts' English texts give different figures (both give some); the
    numbers in the model's own names ("3.1", "405") are not figures."""
    names = model_names(model) if model is not None else []
    ignore = {n for name in names for n in _FIGURE.findall(name)}
    fa = set(_FIGURE.findall(a.text.en.replace(",", ""))) - ignore
    fb = set(_FIGURE.findall(b.text.en.replace(",", ""))) - ignore
    return bool(fa and fb and fa != fb)


def model_names(model: Model) -> list[str]:
    """Every name of a model: its name, id, aliases and its variants' names and aliases."""
    out = [model.name, model.id, *model.aliases]
    for variant in model.variants:
        out += [variant.name, *variant.aliases]
    return out
