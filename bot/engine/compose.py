"""Build answers from knowledge-base text, in the asker's language.

Every sentence here comes from the knowledge base (facts, reasons, topic
answers, the bot's own response templates); nothing is translated or
generated. Citations are the quotes behind the facts that were used.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.answer import Answer, CitationOut, CompareCell, Recommendation, SourceInfo
from bot.kb.schema import Citation, Fact, KnowledgeBase, Text, UseCase, figures_differ

Lang = str  # "en" | "zh"

# The topic that answers "where does your information come from?" (a required topic, see
# bot.kb.loader.REQUIRED_TOPICS): its answer is followed by the list of loaded sources.
SOURCES_TOPIC = "source"
# A source's language named in the reader's: (source language, reader language) -> name.
LANGUAGE_NAMES = {
    ("en", "en"): "English",
    ("zh", "en"): "Chinese",
    ("en", "zh"): "英文",
    ("zh", "zh"): "中文",
}


def say(text: Text, lang: Lang) -> str:
    return text.zh if lang == "zh" else text.en


def fill(template: Text, lang: Lang, **values: str) -> str:
    out = say(template, lang)
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


def cite(citations: Iterable[Citation | CitationOut]) -> list[CitationOut]:
    """Citations for an answer, in order, each quote once."""
    seen: dict[tuple[str, str], CitationOut] = {}
    for c in citations:
        key = (c.source, c.quote)
        if key not in seen:
            seen[key] = CitationOut(source=c.source, section=c.section, quote=c.quote)
    return list(seen.values())


def join_names(names: Iterable[str], lang: Lang) -> str:
    """ "A, B and C" in English, "A、B 和 C" in Chinese."""
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    if lang == "zh":
        return "、".join(items[:-1]) + " 和 " + items[-1]
    return ", ".join(items[:-1]) + " and " + items[-1]


def join_sentences(parts: list[str], lang: Lang) -> str:
    return ("" if lang == "zh" else " ").join(p.strip() for p in parts if p.strip())


class Composer:
    """Turns a decided intent into an :class:`Answer`."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def model_name(self, model_id: str) -> str:
        return self.kb.models[model_id].name

    def aspect_name(self, aspect: str, lang: Lang) -> str:
        return say(self.kb.aspects[aspect].name, lang)

    def source_info(self, source_id: str, lang: Lang) -> SourceInfo:
        src = self.kb.sources[source_id]
        return SourceInfo(
            title=src.title,
            publisher=src.publisher,
            date=src.date.isoformat(),
            url=src.url,
            title_gloss=self.kb.gloss(src.title, source_id, lang),
            cited_as=say(src.cited_as, lang) if src.cited_as else src.publisher,
            language=src.language,
        )

    def facts(self, model_id: str, aspect: str, variant: str | None = None) -> list[Fact]:
        """The facts on ``aspect`` of a model, newest source first; with ``variant``, only
        those about that variant or the whole family."""
        dates = {sid: s.date.isoformat() for sid, s in self.kb.sources.items()}
        found = [
            f
            for f in self.kb.models[model_id].facts
            if f.aspect == aspect and (variant is None or not f.variants or variant in f.variants)
        ]
        # Stable: one source's facts keep their file order.
        return sorted(found, key=lambda f: min(dates.get(s, "") for s in f.sources), reverse=True)

    def fact_text(self, facts: list[Fact], lang: Lang, model_id: str) -> str:
        """The facts' texts; when several sources state them, each is prefixed with its
        source and date ("Per Meta's Llama 3.1 model card (2024-07-23): …")."""
        sources = list(dict.fromkeys(f.sources[0] for f in facts))
        if len(self.kb.sources) <= 1:  # one source loaded: nothing to tell apart
            return join_sentences([say(f.text, lang) for f in facts], lang)
        parts: list[str] = []
        for source_id in sources:
            info = self.source_info(source_id, lang)
            label = fill(self.kb.responses.per_source, lang, source=info.cited_as, date=info.date)
            texts = [say(f.text, lang) for f in facts if f.sources[0] == source_id]
            parts.append(join_sentences([label, *texts], lang))
        stated = [f for f in facts if f.stated]
        model = self.kb.models[model_id]
        if any(
            figures_differ(a, b, model)
            for i, a in enumerate(stated)
            for b in stated[i + 1 :]
            if a.sources[0] != b.sources[0]
        ):
            parts.append(say(self.kb.responses.sources_differ, lang))
        return join_sentences(parts, lang)

    def base(self, question: str, lang: Lang, intent: str | None, confidence: float) -> Answer:
        return Answer(
            question=question,
            answered=True,
            intent=intent,
            confidence=max(0.0, min(1.0, confidence)),
            language="zh" if lang == "zh" else "en",
            answer="",
        )

    def finish(self, ans: Answer) -> Answer:
        """Attach the display names and source details a front end needs to show ``ans``."""
        lang = ans.language
        ids = [*ans.models, *(r.model for r in ans.recommendations), *ans.table]
        ans.model_names = {m: self.model_name(m) for m in dict.fromkeys(ids) if m in self.kb.models}
        aspects = [a for row in ans.table.values() for a in row]
        if ans.aspect:
            aspects.append(ans.aspect)
        ans.aspect_names = {a: self.aspect_name(a, lang) for a in dict.fromkeys(aspects)}
        ans.citations = [
            c.model_copy(
                update={
                    "gloss": self.kb.gloss(c.quote, c.source, lang),
                    "section_gloss": self.kb.gloss(c.section, c.source, lang),
                }
            )
            for c in ans.citations
        ]
        ans.sources = {
            c.source: self.source_info(c.source, lang)
            for c in ans.citations
            if c.source in self.kb.sources
        }
        ans.kb_version = self.kb.version
        return ans

    # -- answered intents ------------------------------------------------
    def fact(
        self,
        ans: Answer,
        model_id: str,
        aspect: str,
        asked: frozenset[str] = frozenset(),
        variant: str | None = None,
    ) -> Answer:
        """One aspect of one model (of one variant when ``variant`` is given). When no source
        states it, or the question asks for a detail the facts lack (``asked``: concepts in
        the question), the answer is a decline (``not_stated``) that says what the sources do
        say instead. Several sources' statements come newest first, each with its source."""
        lang = ans.language
        facts = self.facts(model_id, aspect, variant)
        name = self.display_name(model_id, variant)
        ans.models = [model_id]
        ans.aspect = aspect
        ans.title = f"{name} · {self.aspect_name(aspect, lang)}"
        stated = [f for f in facts if f.stated]
        if stated:
            facts = stated  # a source that gives it beats one that says it is not given
            complete = [f for f in stated if not asked & set(f.lacks)]
            if complete:
                # "can I use llama commercially?": the source that gives the detail asked
                # answers; the one that only calls it open source does not.
                facts = stated = complete
        if not facts:
            return self.not_addressed(ans, [model_id], aspect, variant)
        ans.answer = self.fact_text(facts, lang, model_id)
        if not stated and len(self.kb.sources) > 1:
            # "My sources don't give X's context window." before the one that says so.
            values = {"model": name, "aspect": self.aspect_name(aspect, lang)}
            lead = fill(self.kb.responses.not_stated, lang, **values)
            ans.answer = join_sentences([lead, ans.answer], lang)
        ans.citations = cite(c for f in facts for c in f.citations)
        lacking = any(asked & set(f.lacks) for f in facts)
        if lacking or not stated:
            ans.answered = False
            ans.intent = "not_stated"
            ans.suggestions = self.known_aspect_questions(model_id, lang)
        return ans

    def display_name(self, model_id: str, variant: str | None = None) -> str:
        model = self.kb.models[model_id]
        if variant is not None:
            for v in model.variants:
                if v.id == variant:
                    return v.name
        return model.name

    def not_addressed(
        self, ans: Answer, model_ids: list[str], aspect: str, variant: str | None = None
    ) -> Answer:
        """No source gives ``aspect`` of these models: say so, then what they do say."""
        lang = ans.language
        ans.answered = False
        ans.intent = "not_stated"
        ans.aspect = aspect
        ans.models = list(model_ids)
        aspect_name = self.aspect_name(aspect, lang)
        if not model_ids:
            names = join_names((m.name for m in self.kb.models.values()), lang)
            ans.title = aspect_name
            ans.answer = fill(
                self.kb.responses.not_addressed_any, lang, aspect=aspect_name, models=names
            )
            return ans
        parts: list[str] = []
        used: list[Fact] = []
        for model_id in model_ids:
            name = self.display_name(model_id, variant)
            parts.append(
                fill(self.kb.responses.not_addressed, lang, aspect=aspect_name, model=name)
            )
            headline = self.headline_facts(model_id, variant)[:2]
            parts += [say(f.text, lang) for f in headline]
            used += headline
        ans.title = f"{join_names(map(self.model_name, model_ids), lang)} · {aspect_name}"
        ans.answer = join_sentences(parts, lang)
        ans.citations = cite(c for f in used for c in f.citations)
        ans.suggestions = self.known_aspect_questions(model_ids[0], lang)
        return ans

    def headline_facts(self, model_id: str, variant: str | None = None) -> list[Fact]:
        """The overview facts of a model; with ``variant``, only those about that variant
        or the whole family (the 236B's release date is not said of the Lite)."""
        model = self.kb.models[model_id]
        return [
            f
            for a in self.kb.role("overview")
            for f in model.facts
            if f.aspect == a
            and f.stated
            and (variant is None or not f.variants or variant in f.variants)
        ]

    def overview(self, ans: Answer, model_id: str, variant: str | None = None) -> Answer:
        """The model's summary (its headline figures), cited by the facts it draws on; for
        one variant ("tell me about llama 3.1 70b"), the headline facts about it."""
        lang = ans.language
        model = self.kb.models[model_id]
        if variant is not None:
            used = [
                f
                for a in self.kb.role("overview")
                for f in self.facts(model_id, a, variant)
                if f.stated
            ]
            ans.models = [model_id]
            ans.title = self.display_name(model_id, variant)
            ans.answer = self.fact_text(used, lang, model_id)
            ans.citations = cite(c for f in used for c in f.citations)
            if used:
                return ans
            return self.not_addressed(ans, [model_id], self.kb.role("overview")[0], variant)
        if model.summary_aspects:
            used = [
                f for a in model.summary_aspects for f in model.facts if f.aspect == a and f.stated
            ]
            ans.models = [model_id]
            ans.title = model.name
            ans.answer = say(model.summary, lang)
            ans.citations = cite(c for f in used for c in f.citations)
            return ans
        used = self.headline_facts(model_id)
        ans.models = [model_id]
        ans.title = model.name
        ans.answer = join_sentences([say(f.text, lang) for f in used], lang)
        ans.citations = cite(c for f in used for c in f.citations)
        return ans

    def recommend(
        self,
        ans: Answer,
        use_case_id: str,
        among: list[str] | None = None,
        prefer: frozenset[str] = frozenset(),
    ) -> Answer:
        """The article's ranking for a job; models with a trait asked for (``prefer``:
        concept ids such as "open_weights") come first."""
        lang = ans.language
        uc = self.kb.use_cases[use_case_id]
        ranking = [r for r in uc.ranking if among is None or r.model in among]
        # Models asked about that the job's ranking leaves out: said after the ranking, and
        # when it leaves out all of them, the whole ranking is what they are told.
        unranked = [m for m in among or [] if m not in {r.model for r in ranking}]
        narrowed = bool(among) and bool(ranking)
        if not ranking:
            ranking = list(uc.ranking)
        if prefer:
            ranking.sort(key=lambda r: not prefer & set(self.kb.models[r.model].traits))
        ans.use_case = use_case_id
        ans.title = say(uc.name, lang)
        lines: list[str] = []
        if ranking:
            ans.intro = fill(self.kb.responses.recommend_intro, lang)
            among_text = self.kb.responses.recommend_among
            if narrowed and among_text is not None:
                names = join_names((self.model_name(m) for m in among or []), lang)
                ans.intro = fill(among_text, lang, models=names)
            ranked_by = list(dict.fromkeys(c.source for r in ranking for c in r.citations))
            if len(self.kb.sources) > 1 and len(ranked_by) == 1:
                # Several sources loaded: say whose ranking this is.
                info = self.source_info(ranked_by[0], lang)
                ans.intro = fill(
                    self.kb.responses.per_source, lang, source=info.cited_as, date=info.date
                )
            lines.append(ans.intro)
            for i, ranked in enumerate(ranking, start=1):
                reason = say(ranked.reason, lang)
                lines.append(f"{i}. {self.model_name(ranked.model)} — {reason}")
                ans.recommendations.append(Recommendation(model=ranked.model, reason=reason))
            ans.citations = cite(c for r in ranking for c in r.citations)
            if unranked:
                lines.append(
                    fill(
                        self.kb.responses.rank_absent,
                        lang,
                        use_case=_job_in_sentence(uc, lang),
                        model=join_names((self.model_name(m) for m in unranked), lang),
                        models=join_names((self.model_name(r.model) for r in uc.ranking), lang),
                    )
                )
        else:
            names = join_names((self.model_name(m) for m in among or []), lang)
            ans.intro = fill(self.kb.responses.no_ranking, lang, models=names)
            lines.append(ans.intro)
        if uc.note is not None:
            ans.note = say(uc.note, lang)
            lines.append(ans.note)
        ans.models = list(dict.fromkeys([*(r.model for r in ranking), *unranked]))
        ans.answer = "\n".join(lines)
        return ans

    def compare(self, ans: Answer, model_ids: list[str], aspects: list[str]) -> Answer:
        lang = ans.language
        ans.models = list(model_ids)
        ans.aspect = aspects[0] if aspects else None
        names = [self.model_name(m) for m in model_ids]
        ans.title = " vs ".join(names)
        shown = aspects or self.default_rows(model_ids)
        citations: list[Citation] = []
        ans.intro = fill(self.kb.responses.compare_intro, lang, models=join_names(names, lang))
        lines = [ans.intro]
        for aspect in shown:
            if len(shown) > 1:
                lines.append(
                    f"【{self.aspect_name(aspect, lang)}】"
                    if lang == "zh"
                    else f"[{self.aspect_name(aspect, lang)}]"
                )
            for model_id, name in zip(model_ids, names, strict=True):
                cell = self.cell(model_id, aspect, lang)
                ans.table.setdefault(model_id, {})[aspect] = cell
                lines.append(f"• {name}{'：' if lang == 'zh' else ': '}{cell.text}")
                citations.extend(c for f in self.cell_facts(model_id, aspect) for c in f.citations)
        ans.citations = cite(citations)
        position = {(c.source, c.quote): i for i, c in enumerate(ans.citations, start=1)}
        for model_id, row in ans.table.items():
            for aspect, cell in row.items():
                quotes = [c for f in self.cell_facts(model_id, aspect) for c in f.citations]
                cell.sources = sorted({position[(c.source, c.quote)] for c in quotes})
        ans.answer = "\n".join(lines)
        return ans

    def default_rows(self, model_ids: list[str]) -> list[str]:
        """The rows of a comparison that names no aspect: what each model is mainly for.
        When no one source states that for every model (a model an admin added from its
        own README beside one from the article), up to two `compare` aspects that every
        model's sources state follow, so the two still meet on common ground."""
        main = self.kb.role("use_case")[:1]
        if not main:
            return self.kb.role("compare")

        def sources(model_id: str, aspect: str) -> set[str]:
            return {src for f in self.facts(model_id, aspect) if f.stated for src in f.sources}

        if set.intersection(*(sources(m, main[0]) for m in model_ids)):
            return main
        common = [
            a
            for a in self.kb.role("compare")
            if a not in main and all(sources(m, a) for m in model_ids)
        ]
        return main + common[:2]

    def cell_facts(self, model_id: str, aspect: str) -> list[Fact]:
        facts = self.facts(model_id, aspect)
        return [f for f in facts if f.stated] or facts

    def cell(self, model_id: str, aspect: str, lang: Lang) -> CompareCell:
        facts = self.cell_facts(model_id, aspect)
        stated = [f for f in facts if f.stated]
        if not facts:
            text = fill(
                self.kb.responses.not_stated,
                lang,
                model=self.model_name(model_id),
                aspect=self.aspect_name(aspect, lang),
            )
            return CompareCell(text=text, stated=False)
        return CompareCell(text=self.fact_text(facts, lang, model_id), stated=bool(stated))

    def ranked_variants(self, model_id: str, citations: list[Citation]) -> list[str]:
        """The variants a ranking of ``model_id`` is about: those its sources' facts on the
        model describe (the article writes of Llama 3.1 405B only). Empty: the family."""
        sources = {c.source for c in citations}
        described = {
            v
            for f in self.kb.models[model_id].facts
            if sources & set(f.sources)
            for v in f.variants
        }
        return [v.id for v in self.kb.models[model_id].variants if v.id in described]

    def model_for_use_case(
        self, ans: Answer, model_id: str, use_case_id: str, variant: str | None = None
    ) -> Answer:
        """ "Is Mistral good for coding?": the model's strengths and where the article ranks it.
        Of a variant the ranking is not about ("llama 3.1 8b for coding?"), a decline that
        says which variant the ranking is about."""
        lang = ans.language
        uc = self.kb.use_cases[use_case_id]
        entry = next((r for r in uc.ranking if r.model == model_id), None)
        if variant is not None and entry is not None:
            about = self.ranked_variants(model_id, entry.citations)
            if about and variant not in about:
                return self._variant_not_ranked(ans, model_id, uc, variant, about[0])
        for aspect in self.kb.role("good_at")[:1]:
            self.fact(ans, model_id, aspect)
        ans.models = [model_id]
        ans.use_case = use_case_id
        ranked = [r.model for r in uc.ranking]
        values = {"use_case": _job_in_sentence(uc, lang), "model": self.model_name(model_id)}
        if model_id in ranked:
            line = fill(
                self.kb.responses.rank_position,
                lang,
                rank=str(ranked.index(model_id) + 1),
                **values,
            )
            ans.citations = cite([*ans.citations, *uc.ranking[ranked.index(model_id)].citations])
        elif ranked:
            names = join_names((self.model_name(m) for m in ranked), lang)
            line = fill(self.kb.responses.rank_absent, lang, models=names, **values)
        else:
            line = fill(self.kb.responses.no_ranking, lang, models=self.model_name(model_id))
        ans.answered = True
        ans.answer = join_sentences([ans.answer, line], lang) if ans.answer else line
        return ans

    def _variant_not_ranked(
        self, ans: Answer, model_id: str, uc: UseCase, variant: str, about: str
    ) -> Answer:
        lang = ans.language
        ranked = [r.model for r in uc.ranking]
        entry = uc.ranking[ranked.index(model_id)]
        ans.models = [model_id]
        ans.use_case = uc.id
        ans.title = self.display_name(model_id, variant)
        ans.answer = fill(
            self.kb.responses.variant_not_ranked,
            lang,
            use_case=_job_in_sentence(uc, lang),
            model=self.display_name(model_id, variant),
            ranked=self.display_name(model_id, about),
            rank=str(ranked.index(model_id) + 1),
        )
        ans.citations = cite(entry.citations)
        ans.answered = False
        ans.intent = "not_stated"
        ans.suggestions = self.known_aspect_questions(model_id, lang)
        return ans

    def compare_for_use_case(self, ans: Answer, model_ids: list[str], use_case_id: str) -> Answer:
        """ "Llama or Mistral for coding?": the article's ranking among them, then strengths."""
        self.recommend(ans, use_case_id, among=model_ids)
        ranking_text, ranking_cites = ans.answer, list(ans.citations)
        self.compare(ans, model_ids, self.kb.role("good_at")[:1])
        body = ans.answer.split("\n", 1)[1] if "\n" in ans.answer else ans.answer
        ans.answer = f"{ranking_text}\n{body}"
        ans.citations = cite([*ranking_cites, *ans.citations])
        return ans

    def source_lines(self, lang: Lang) -> list[str]:
        """One line per loaded source: title, publisher, date, language, what it covers."""
        ui = self.kb.ui
        out = []
        for source_id, src in sorted(
            self.kb.sources.items(), key=lambda item: item[1].date, reverse=True
        ):
            info = self.source_info(source_id, lang)
            covered = [
                m.name
                for m in self.kb.models.values()
                if any(source_id in f.sources for f in m.facts)
            ]
            facts = sum(source_id in f.sources for m in self.kb.models.values() for f in m.facts)
            title = f"{src.title} ({info.title_gloss})" if info.title_gloss else src.title
            out.append(
                ui.text(
                    "source_line",
                    lang,
                    title=title,
                    publisher=src.publisher,
                    date=info.date,
                    language=LANGUAGE_NAMES[(src.language, lang)],
                    facts=facts,
                    models=join_names(covered, lang) or "—",
                )
            )
        return out

    def topic(self, ans: Answer, topic_id: str) -> Answer:
        topic = self.kb.topics[topic_id]
        ans.topic = topic_id
        # {models}: every covered model, so a model an admin adds shows up in help/greeting.
        ans.answer = fill(topic.answer, ans.language, models=self.covered(ans.language))
        if topic_id == SOURCES_TOPIC:  # the list of sources is the knowledge's own, not typed
            ans.answer = "\n".join([ans.answer, *self.source_lines(ans.language)])
        ans.models = list(topic.models)
        ans.citations = cite(topic.citations)
        return ans

    # -- declines ----------------------------------------------------------
    def decline(self, ans: Answer, template: Text, **values: str) -> Answer:
        """A decline in the asker's language, its placeholders filled with ``values``."""
        ans.answered = False
        ans.answer = fill(template, ans.language, **values)
        return ans

    def covered(self, lang: Lang) -> str:
        """Every covered model's name, for "my sources cover …"."""
        return join_names((m.name for m in self.kb.models.values()), lang)

    def known_aspect_questions(self, model_id: str, lang: Lang) -> list[str]:
        name = self.model_name(model_id)
        out: list[str] = []
        for fact in self.kb.models[model_id].facts:
            if fact.stated:
                q = f"{name} {self.aspect_name(fact.aspect, lang)}"
                if q not in out:
                    out.append(q)
            if len(out) == 3:
                break
        return out


def _job_in_sentence(uc: UseCase, lang: Lang) -> str:
    """A job's name inside a sentence: "For debugging, …", but "For GPT-…" stays."""
    job = say(uc.name, lang)
    if lang == "en" and job[1:2].islower():
        job = job[0].lower() + job[1:]
    return job
