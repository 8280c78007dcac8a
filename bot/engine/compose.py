"""Build answers from knowledge-base text, in the asker's language.

Every sentence here comes from the knowledge base (facts, reasons, topic
answers, the bot's own response templates); nothing is translated or
generated. Citations are the quotes behind the facts that were used.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.engine.answer import Answer, CitationOut, CompareCell, Recommendation, SourceInfo
from bot.kb.schema import Citation, Fact, KnowledgeBase, Text

Lang = str  # "en" | "zh"

# Facts used to describe a model when no aspect is asked for: who, the headline figures
# (size, date, price), then what it is good for.
OVERVIEW_ASPECTS = ("origin", "parameters", "release_date", "pricing", "strengths", "main_use_case")


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
            seen[key] = CitationOut(
                source=c.source, section=c.section, quote=c.quote, gloss=c.gloss
            )
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

    def facts(self, model_id: str, aspect: str) -> list[Fact]:
        return [f for f in self.kb.models[model_id].facts if f.aspect == aspect]

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
        ans.sources = {
            c.source: SourceInfo(
                title=src.title,
                publisher=src.publisher,
                date=src.date.isoformat(),
                url=src.url,
            )
            for c in ans.citations
            if (src := self.kb.sources.get(c.source)) is not None
        }
        ans.kb_version = self.kb.version
        return ans

    # -- answered intents ------------------------------------------------
    def fact(
        self, ans: Answer, model_id: str, aspect: str, asked: frozenset[str] = frozenset()
    ) -> Answer:
        """One aspect of one model. When the article does not state it, or the question asks
        for a detail the fact lacks (``asked``: concepts in the question), the answer is a
        decline (``not_stated``) that says what the article does say instead."""
        lang = ans.language
        facts = self.facts(model_id, aspect)
        name = self.model_name(model_id)
        ans.models = [model_id]
        ans.aspect = aspect
        ans.title = f"{name} · {self.aspect_name(aspect, lang)}"
        if not facts:
            return self.not_addressed(ans, [model_id], aspect)
        ans.answer = join_sentences([say(f.text, lang) for f in facts], lang)
        ans.citations = cite(c for f in facts for c in f.citations)
        lacking = any(asked & set(f.lacks) for f in facts)
        if lacking or not any(f.stated for f in facts):
            ans.answered = False
            ans.intent = "not_stated"
            ans.suggestions = self.known_aspect_questions(model_id, lang)
        return ans

    def not_addressed(self, ans: Answer, model_ids: list[str], aspect: str) -> Answer:
        """The article says nothing about ``aspect``: say so, then what it does say."""
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
            name = self.model_name(model_id)
            parts.append(
                fill(self.kb.responses.not_addressed, lang, aspect=aspect_name, model=name)
            )
            headline = self.headline_facts(model_id)[:2]
            parts += [say(f.text, lang) for f in headline]
            used += headline
        ans.title = f"{join_names(map(self.model_name, model_ids), lang)} · {aspect_name}"
        ans.answer = join_sentences(parts, lang)
        ans.citations = cite(c for f in used for c in f.citations)
        ans.suggestions = self.known_aspect_questions(model_ids[0], lang)
        return ans

    def headline_facts(self, model_id: str) -> list[Fact]:
        model = self.kb.models[model_id]
        return [f for a in OVERVIEW_ASPECTS for f in model.facts if f.aspect == a and f.stated]

    def overview(self, ans: Answer, model_id: str) -> Answer:
        """The model's summary (its headline figures), cited by the facts it draws on."""
        lang = ans.language
        model = self.kb.models[model_id]
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
        if prefer:
            ranking.sort(key=lambda r: not prefer & set(self.kb.models[r.model].traits))
        ans.use_case = use_case_id
        ans.title = say(uc.name, lang)
        lines: list[str] = []
        if ranking:
            ans.intro = fill(self.kb.responses.recommend_intro, lang)
            lines.append(ans.intro)
            for i, ranked in enumerate(ranking, start=1):
                reason = say(ranked.reason, lang)
                lines.append(f"{i}. {self.model_name(ranked.model)} — {reason}")
                ans.recommendations.append(Recommendation(model=ranked.model, reason=reason))
            ans.citations = cite(c for r in ranking for c in r.citations)
        else:
            names = join_names((self.model_name(m) for m in among or []), lang)
            ans.intro = fill(self.kb.responses.no_ranking, lang, models=names)
            lines.append(ans.intro)
        if uc.note is not None:
            ans.note = say(uc.note, lang)
            lines.append(ans.note)
        ans.models = [r.model for r in ranking] or list(among or [])
        ans.answer = "\n".join(lines)
        return ans

    def compare(self, ans: Answer, model_ids: list[str], aspects: list[str]) -> Answer:
        lang = ans.language
        ans.models = list(model_ids)
        ans.aspect = aspects[0] if aspects else None
        names = [self.model_name(m) for m in model_ids]
        ans.title = " vs ".join(names)
        shown = aspects or ["main_use_case"]
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
                citations.extend(c for f in self.facts(model_id, aspect) for c in f.citations)
        ans.citations = cite(citations)
        position = {(c.source, c.quote): i for i, c in enumerate(ans.citations, start=1)}
        for model_id, row in ans.table.items():
            for aspect, cell in row.items():
                quotes = [c for f in self.facts(model_id, aspect) for c in f.citations]
                cell.sources = sorted({position[(c.source, c.quote)] for c in quotes})
        ans.answer = "\n".join(lines)
        return ans

    def cell(self, model_id: str, aspect: str, lang: Lang) -> CompareCell:
        facts = self.facts(model_id, aspect)
        if not facts:
            text = fill(
                self.kb.responses.not_stated,
                lang,
                model=self.model_name(model_id),
                aspect=self.aspect_name(aspect, lang),
            )
            return CompareCell(text=text, stated=False)
        return CompareCell(
            text=join_sentences([say(f.text, lang) for f in facts], lang),
            stated=all(f.stated for f in facts),
        )

    def model_for_use_case(self, ans: Answer, model_id: str, use_case_id: str) -> Answer:
        """ "Is Mistral good for coding?": the model's strengths and where the article ranks it."""
        lang = ans.language
        uc = self.kb.use_cases[use_case_id]
        self.fact(ans, model_id, "strengths")
        ans.use_case = use_case_id
        ranked = [r.model for r in uc.ranking]
        job = say(uc.name, lang)
        if lang == "en" and job[1:2].islower():
            job = job[0].lower() + job[1:]  # "For debugging, …", but "For GPT-…" stays
        values = {"use_case": job, "model": self.model_name(model_id)}
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

    def compare_for_use_case(self, ans: Answer, model_ids: list[str], use_case_id: str) -> Answer:
        """ "Llama or Mistral for coding?": the article's ranking among them, then strengths."""
        self.recommend(ans, use_case_id, among=model_ids)
        ranking_text, ranking_cites = ans.answer, list(ans.citations)
        self.compare(ans, model_ids, ["strengths"])
        body = ans.answer.split("\n", 1)[1] if "\n" in ans.answer else ans.answer
        ans.answer = f"{ranking_text}\n{body}"
        ans.citations = cite([*ranking_cites, *ans.citations])
        return ans

    def topic(self, ans: Answer, topic_id: str) -> Answer:
        topic = self.kb.topics[topic_id]
        ans.topic = topic_id
        ans.answer = say(topic.answer, ans.language)
        ans.models = list(topic.models)
        ans.citations = cite(topic.citations)
        return ans

    # -- declines ----------------------------------------------------------
    def decline(self, ans: Answer, template: Text, **values: str) -> Answer:
        ans.answered = False
        ans.answer = fill(template, ans.language, **values)
        return ans

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
