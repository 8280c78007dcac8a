"""The decision policy: an ordered table of named rules, read top to bottom.

Each :class:`Rule` is a small predicate over a :class:`Situation` (what the
question says, plus the asker's context) and a handler that composes the
answer. The first rule whose predicate holds answers; the next one that also
holds is reported as the runner-up. Numbers live in :class:`Thresholds`, each
with a name and a reason, so a change of policy is a change of one row or one
number, and every answer can say which row produced it.

The table itself is ``RULES`` at the bottom of this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from bot.engine.analysis import SMALL_TALK, SMALL_TALK_INTENT, Analysis, Matchers
from bot.engine.answer import Answer
from bot.engine.compose import Composer, join_names
from bot.engine.context import Context
from bot.kb.schema import KnowledgeBase, Model
from bot.text.code import has_paste, without_code
from bot.text.normalize import (
    A_NOT_A,
    STOPWORDS,
    bigrams,
    compact,
    content_stems,
    has_cjk,
    normalize,
    squash,
    tokens,
)


@dataclass(frozen=True)
class Thresholds:
    """Every number the policy uses, by name."""

    # Confidence bands: answer at or above ``answer``; offer "did you mean" above ``suggest``.
    answer: float = 0.55
    suggest: float = 0.35
    # A job counts as asked for when its best phrase scores this much.
    use_case_min: float = 0.7
    # ... and needs no other cue when it is the phrase itself ("code generation").
    use_case_exact: float = 0.95
    # Topic evidence: enough to answer, and strong enough to beat a named model.
    topic_min: float = 0.62
    topic_strong: float = 0.8
    # A topic scoring this much was asked in one of its own phrasings, word for word.
    topic_exact: float = 1.0
    # A topic keyword alone is domain evidence beside fewer unknown words than this.
    topic_keyword_unknown_max: float = 2.0
    # Share of the asking sentences the knowledge base must explain without a model name;
    # less with a domain word ("model", "LLM") or a recommend/article cue.
    explained_min: float = 0.75
    explained_min_domain: float = 0.35
    explained_min_cue: float = 0.5
    # A situation described without asking ("our users are in Thailand and India") is a
    # request for a model when its job evidence is this strong (two agreeing signs).
    situation_min: float = 0.87
    # Domain evidence is more than one shared word: a question whose job and aspects
    # matched fewer distinct words than this, asked with only a superlative or a need ("the
    # fastest way from the airport"), must be ours in its other words too.
    domain_words_min: int = 3
    # "Which one was trained on 15T tokens?": idf evidence for a fact to name its model,
    # and how far ahead of another model's best fact it must be.
    reverse_fact_min: float = 3.0
    reverse_fact_margin: float = 1.5
    # ... and the share of the best fact's evidence a fact of the aspect asked must have to
    # answer instead ("which has 405 billion *parameters*?": that fact, not hardware's).
    reverse_fact_aspect_share: float = 0.75
    # A named model's fact found by its words alone (no aspect keyword): this much idf
    # evidence, from two words or more, this far ahead of the model's next fact.
    fact_words_min: float = 5.0
    fact_words_margin: float = 1.3
    # ... and with this many shared words it outweighs an aspect keyword no source answers.
    fact_words_outweigh: int = 4
    # ... and how many of its words, at least, before they outrank an aspect keyword.
    fact_words_override: int = 3
    # ... or one word alone, when it is this rare among all stated facts (idf; a word of
    # one or two facts: "alignbench", "vllm", "arabic") and spelt out in letters.
    fact_word_rare_min: float = 3.0
    fact_word_rare_len: int = 4
    # A question of at most this many content words leans on the previous one.
    follow_up_max_words: int = 2
    # A model named beside this many unknown words is not an overview request.
    unknown_words_max: float = 1.0
    # Asking an aspect of this many named models at once asks for the topic covering it.
    topic_models_min: int = 3
    # A ranking of every model, asked without naming models, beside this many unknown words
    # is about something else.
    rank_unknown_max: float = 2.0
    # Suggestions: a candidate this close counts as a near miss, not out of scope.
    suggest_min: float = 0.6
    near_match: float = 0.95


_SUPERLATIVE = re.compile(
    r"\b(most|least|best|worst|biggest|largest|smallest|cheapest|newest|latest|oldest|"
    r"fastest|slowest|highest|lowest|more|fewer|less)\b(?!\s+than\s+\d)|最|更"
)
# "which one is / was / has / supports …" asks which model a property belongs to; "which
# one is best for …" asks for a recommendation instead.
_PROPERTY = re.compile(
    r"\b(?:(?:which|wich)(?:\s+(?:one|model|llm|of\s+(?:them|these|those|the\s+\w+)))?"
    r"|what\s+(?:model|llm))\s+"
    r"(?:is|was|has|have|had|supports?|offers?|costs?|comes?|came|uses?|used|gets?|got|"
    r"runs?|trained|released|launched|does|did|can|speaks?|handles?|knows?)\b"
    r"(?!\s+(?:the\s+)?(?:best|better|good|great|ideal|suited|suitable|recommended|right|"
    r"most|least|\w+est)\b)"
    r"|哪(?:个|款|一个|一款|家)?(?:模型|大模型)?(?:支持|是|有|由|来自|用了|训练|发布|出自|属于|能|会)"
    r"(?!得?(?:好|更好|最好|比较好))"
    r"|的是哪|是文中哪|是哪(?:个|款|一个)|\bwhose\b"
)
# Words that ask for a choice of model rather than for the owner of a fact.
_CHOICE = re.compile(
    r"\b(should|recommend|suggest|pick|choose|go with|helps?|fits?|suits?|would you|plug in|"
    r"use for|best for|good at|good for|is good|want|need|lines? up|matches|"
    r"designed for|built for|made for|meant for)\b"
    r"|推荐|选|适合|合适|用哪|该用|得好|比较好|更好|最好|哪(?:个|款)?(?:模型)?好|好用"
)
# "Which ones", "哪些": a list is asked for, not the one model a fact belongs to.
_PLURAL = re.compile(r"\bwhich (?:\w+ )?(?:ones|companies|models|labs|firms)\b|哪些|哪几")
_IMPERATIVE = re.compile(
    r"^(?:please |pls |can you |could you )?(?:generate|write|draft|compose|translate|"
    r"summari[sz]e|rewrite|paraphrase|proofread|fix|debug|refactor|convert|create|make me|"
    r"give me \d+)\b"
)
# Errands in the world that vocabulary words cannot spell out: "给我妈打个电话", "打给客服".
# "call Delta's support desk and ask about my bag": a phone call opening the message.
_ERRAND = re.compile(
    r"给.{1,8}打(?:个|一个|一通)?电话|打(?:个)?电话给|給.{1,8}打(?:個|一個)?電話"
    r"|^(?:please |pls |can you |could you )?(?:call|phone|ring)\b(?!\s+cent(?:er|re)s?\b)"
)
# The bot itself as the subject or owner of what is asked ("how much do you cost", "what
# languages do you speak", "what's your purpose", "who made you", "你多大了", "你的用途"):
# a question about the bot, not about a model, whatever aspect word it uses. "you" as
# the one asked to tell, pick or compare ("can you tell me the price", "你觉得哪个好",
# "what's your pick for coding") is a request about models and is left out.
_REQUEST_AFTER_YOU = (
    r"know|think|tell|recommend|suggest|compare|say|pick|choose|have|explain|help|list|"
    r"show|give|rank|reckon|prefer|rate|advise|mean|suppose|find|see|use|like|want|need|"
    r"able|aware|check|look|summari[sz]e|describe|name|share|provide|mention|remember|"
    r"happen|guess|believe|agree|go|break|let|make"
)
# What "do you …" asks of the bot itself ("do you speak chinese", "can you handle long
# documents"); any other verb after "do you" is a request or the generic "you" ("do you
# have to book in advance", "can you just turn up").
_BOT_VERBS = (
    r"speak|support|cost|charge|understand|handle|run|work|read|reply|respond|answer|"
    r"learn|store|log|save|keep|collect|update|accept|cover|cite|quote|search|browse|"
    r"remember|know about"
)
_OF_THE_BOT = re.compile(
    r"\byour(?:self)?\b(?!\s+(?:opinion|recommendations?|picks?|choices?|take|suggestions?|"
    r"advice|views?|thoughts?|favou?rites?|top|best|sources?|own|team|company|app|"
    r"project|use|needs?|budget|case)\b)"
    r"|(?<!\bhow )\bare (?:you|u)\b(?!\s+(?:please\s+)?(?:" + _REQUEST_AFTER_YOU + r")\b)"
    r"|(?<!\bhow )\b(?:do|can|could|did|will|would) (?:you|u)\s+(?:" + _BOT_VERBS + r")\b"
    r"|\b(?:are|were) (?:you|u)\s*$"
    # "can I ask in chinese?", "我可以用英文问吗", "你会说英文吗": the language to talk to me in.
    r"|\b(?:can|could|may) (?:i|we) (?:ask|talk|write|chat|type)\b"
    r"|你(?:会|能|懂|支持)|(?:我|可以|能)用(?:中文|英文|英语|汉语|繁体|简体)"
    r"|\b(?:made|built|created|trained|developed|programmed|coded|designed|runs|powers) you\b"
    r"|\bthis bot\b"
    r"|(?:你|您)(?!们|(?:能|可以|可不可以|能不能|会不会|给我|帮我)?(?:帮|告诉|推荐|知道|觉得|"
    r"认为|说说|讲讲|比较|介绍|列|总结|给|看|建议|选|对比|解释|分析|评价|怎么看|有没有|"
    r"好|们好|说的|提到|刚才|上面|确定|讲的))"
)
_HOW_TO = re.compile(r"^(?:how (?:do|can|should|would) (?:i|we|you)|how to)\b|^(?:怎么|如何)")
_ADVICE = re.compile(r"\bbest way to\b|\bany tips\b|有什么技巧|最好的办法")
_QUANTITY_ASKED = re.compile(r"^how (?:many|much)\b|^多少|有多少")
_MAKING = re.compile(r"\b(?:makes?|made|build|builds|built|develops?|developed|creates?|created)\b")


# "<is> <model> (a) <country word> (company)?", "<model> 是国产的吗": a model said to be of
# a country (Situation._nationality_asked), built from the question's model words and the
# vocabulary's country words.
def _alternation(words: tuple[str, ...]) -> str:
    """Longest first; the words of a name may be written with any separators."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"[\W_]*".join(map(re.escape, w.split())) for w in ordered if w)


@lru_cache(maxsize=256)
def _nationality_en(models: tuple[str, ...], countries: tuple[str, ...]) -> re.Pattern[str]:
    nat = _alternation(countries)
    return re.compile(
        rf"^(?:is|are|was|were|isn'?t|wasn'?t|aren'?t) (?:the )?(?:{_alternation(models)})"
        r" (?:really |actually |even |also |originally )?(?:from |made in |based in )?"
        rf"(?:an? )?(?:{nat})(?: (?:model|llm|company|lab|startup|ai|one|thing|made|based))?"
        rf"(?: or (?:{nat}))?(?: (?:or not|right|too|then))?\??$"
    )


@lru_cache(maxsize=16)
def _nationality_zh(countries: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(
        rf"(?:是|算)(?:不是)?(?:一[个家款])?(?:{_alternation(countries)})的?"
        r"(?:公司|模型|大模型|产品|厂商|团队|企业)?(?:做的|开发的|出的|的)?(?:吗|嘛|么|吧|呢)?[?？]?$"
    )


_SELECTOR = re.compile(r"\b(which|wich|whcih|what model|what llm|who|whose)\b|哪|谁")
# "why?", "how come", "为什么": asks for the reason of the previous answer.
_WHY = re.compile(r"\b(why|how come|what makes it|reason|reasons)\b|为什么|为啥|凭什么|理由|原因")
# A ranking over the whole world or all time ("the first programming language ever",
# "世界上最快的电脑"): a question about the world, unless it names a model or LLMs.
_WHOLE_WORLD = re.compile(
    r"\b(in the world|on earth|of all time|ever made|ever built|in history|ever)\b|世界上|全世界|"
    r"全球最|史上|历史上|有史以来"
)
# A comparison of two things without the word "compare": "which is cheaper, X or Y?".
_COMPARATIVE = re.compile(
    r"\b(?:better|worse|cheaper|pricier|faster|slower|bigger|smaller|larger|newer|older|"
    r"smarter|stronger|weaker|prefer|instead of|rather than|or)\b|还是|比"
)
# "is it cheaper to buy tickets online?": an "it" that stands for the doing that follows,
# a question about doing something in the world unless a model comes up.
_DUMMY_IT = re.compile(r"^(?:is|was|would|will|isn't) it (?:\w+ ){1,2}to \w+")
# "which of them …" with nothing before it: the models the sources cover ("who made it?"
# with nothing before it names nothing).
_THEM = re.compile(r"\b(?:them|these|those|they)\b|它们|他们|这些|这几个")
# Words for a pair of models already talked about.
_PAIR = re.compile(r"\b(the two|these two|those two|both|both of them)\b|两个|俩|两者|二者")
# "which are open source and which aren't", "哪些开源哪些闭源": sorts every model by one
# aspect, a comparison of all of them.
_PARTITION = re.compile(r"\bwhich\b.+\b(and|or)\s+which\b|哪些.+哪些|哪个.+哪个不")
# Evidence that something is asked of the bot: a question mark, an interrogative, a request
# verb. Without it (and without a model named, a follow-up or an entry's own phrase), a
# message is a statement, a bare word, a code paste or chat between members.
ASKING = re.compile(
    r"[?？]"
    r"|^(?:what|wat|wht|which|wich|who|whose|when|where|why|how|is|are|was|were|does|do|did|"
    r"can|could|should|would|will|may|might|any|anyone|anybody|has|have)\b"
    r"|\b(?:what|which|wich|how|why|when|where|who|whose)\b"
    r"|\b(?:recommend|recommendation|suggest|suggestion|compare|comparison|vs|versus|tell me|"
    r"show me|explain|describe|list|give me|help me|looking for|look for|need|needs|want|"
    r"wanna|pick|choose|decide|best|better|worth|good for|good at|advice|options?|"
    r"alternatives?|would like|like a model|hoping|hope to|planning|plan to|trying to|"
    r"looking to|in order|rank|sort|summari[sz]e|summary|overview|walk me|let me know|"
    r"must|has to|have to|got to|gotta|gimme|recap|gist|tldr|tl;dr|sum (?:it|this|that) up)\b"
    r"|'d like\b"
    r"|吗|嗎|呢|么|麼|什么|什麼|啥|哪|谁|誰|怎么|怎麼|怎样|怎樣|如何|多少|几|幾|是否|能否|可否|"
    r"有没有|有沒有|是不是|推荐|推薦|建议|建議|比较|比較|对比|對比|介绍|介紹|说说|說說|讲讲|講講|"
    r"告诉我|告訴我|想|需要|求|选|選|区别|區別|差别|差別|好不好|行不行|适合|適合|希望|打算|"
    r"计划|計劃|要求|要快|要便宜|要低|要高|要好|总结|總結|概括|做一个|做一個|做个|做個|搞一个|"
    r"搞个|让模型|讓模型|用什么|用什麼|排序|帮我|幫我|请|請"
    r"|" + A_NOT_A  # "贵不贵", "值不值得", "能不能", "有沒有"
)
# A declarative sentence: a subject, then a verb of being or having ("this set is great",
# "the api was down", "llama farms are cute").
_STATEMENT = re.compile(
    r"^(?!(?:is|are|was|were|has|have|had)\b)\w[\w\s-]*?\s(?:is|are|was|were|has|have|had)"
    r"\s+(?!(?:it|they|there|this|that)\b)\w"  # not "mistral large 2 is it free"
)
# A statement about oneself ("I mostly write Go these days", "our company is a bank").
_FIRST_PERSON = re.compile(
    r"^(?:i|i'm|im|i've|ive|we|we're|were|my|our|me)\b|^(?:我|我们|我們|咱们)"
)


class Situation:
    """A question read against the knowledge base and the asker's context."""

    def __init__(
        self,
        an: Analysis,
        ctx: Context | None,
        kb: KnowledgeBase,
        compose: Composer,
        t: Thresholds,
        matchers: Matchers,
    ) -> None:
        self.an = an
        # The word stems of each job and each aspect, computed once per knowledge base.
        self.job_terms = matchers.job_terms
        self.aspect_terms = matchers.aspect_terms
        self.countries = matchers.countries
        self.choice_words = matchers.choice_words
        self.kb = kb
        self.c = compose
        self.t = t
        # A hot reload may have removed what the context refers to: keep what still exists.
        self.ctx = ctx
        self.ctx_models = [m for m in (ctx.models if ctx else []) if m in kb.models]
        earlier = [m for m in (ctx.earlier if ctx else []) if m in kb.models]
        if len(self.ctx_models) == 1 and earlier and _PAIR.search(an.focus_text):
            # "which of the two came out first?" after Llama, then Mistral: those two.
            self.ctx_models = [earlier[0], *self.ctx_models]
        self.ctx_aspect = ctx.aspect if ctx and ctx.aspect in kb.aspects else None
        self.ctx_use_case = ctx.use_case if ctx and ctx.use_case in kb.use_cases else None

    # -- what the question holds ----------------------------------------------
    @cached_property
    def asked_details(self) -> frozenset[str]:
        """Concepts named in the question: a fact lacking one of them does not answer it."""
        return frozenset(self.an.concepts)

    @cached_property
    def asked_traits(self) -> frozenset[str]:
        """Traits of models asked for ("国产的开源模型"): concepts some model lists."""
        traits = {t for m in self.kb.models.values() for t in m.traits}
        # A wish stated anywhere ("they only accept open-weight models from a Chinese lab").
        return frozenset(self.an.message_concepts & traits)

    @cached_property
    def has_job(self) -> bool:
        return self.an.use_case_score >= self.t.use_case_min

    @cached_property
    def uncovered(self) -> list[str]:
        """Names of models or products the article does not cover, asked about here."""
        named = set(self.an.models) | set(self.an.background_models)
        out = []
        for entity_id in self.an.entities:
            entity = self.kb.other_entities[entity_id]
            if (
                entity.topic is None
                and entity.model is None
                and not (named & set(entity.reference_for))
            ):
                out.append(entity.name)
        out += self.an.unknown_names
        # "MiniMax", "RLHF": only a model's name when the question treats it as one.
        if self.an.weak_names and (
            "domain" in self.an.cues or (self.named and "compare" in self.an.cues)
        ):
            out += self.an.weak_names
        return out

    @cached_property
    def article_entities(self) -> list[str]:
        """Topics of the things named that the article discusses (Baichuan, Moonshot)."""
        return [
            topic
            for e in self.an.entities
            if (topic := self.kb.other_entities[e].topic) is not None
            and self.kb.other_entities[e].model is None
        ]

    @cached_property
    def best_job_phrases(self) -> list[str]:
        """The phrases, normalised, that scored the best job ("python to go")."""
        an = self.an
        return [
            normalize(e.words) for e in an.evidence if e.kind == "use_case" and e.ref == an.use_case
        ]

    @cached_property
    def _job_phrase_said_whole(self) -> bool:
        """Whether the phrase that scored the best job stands in the question as written,
        and is more than one word ("replies in their own language"; a statement sharing
        one word with a job, "I'm a translator, Spanish into English", states no need)."""
        said = compact(self.an.focus_text)
        return any(compact(p) in said and _more_than_one_word(p) for p in self.best_job_phrases)

    @cached_property
    def pasted(self) -> bool:
        """Whether the message carries pasted code or a log besides its prose."""
        return has_paste(self.an.question)

    @cached_property
    def asked(self) -> bool:
        """Whether the message asks the bot something: the evidence a recommendation, fact
        or topic answer needs besides domain words (see the rule "not_asked")."""
        an, t = self.an, self.t
        prose = without_code(an.question)
        if not prose:
            return False  # only code
        if ASKING.search(prose.casefold()):
            return True
        if {"recommend", "compare", "overview", "task"} & an.cues or _ERRAND.search(an.focus_text):
            return True  # a request, or an errand (declined next, as a task)
        if self.ctx_models and (an.follow_up or "follow_up" in an.cues):
            return True  # "and the 70b one", "its price" after a question about a model
        if _FIRST_PERSON.search(an.focus_text):
            # A statement about oneself asks nothing ("our company is a bank", "I've been
            # coding in Rust all week": words shared with jobs), unless it states a need in a
            # job's own phrase, said whole ("replies in their own language"; not "I write Go
            # these days, some Python" for the phrase "python to go").
            return an.use_case_score >= t.use_case_exact and self._job_phrase_said_whole
        # A query written as a noun phrase: "gpt-4o mini", "llama 3.1 context window",
        # "article summary", "code generation for a startup". A sentence with a verb of
        # being after its subject is a statement ("this model train set is amazing").
        if _STATEMENT.search(an.focus_text):
            return False
        return bool(
            an.models
            or an.entities
            or an.unknown_names  # "llama 4 price", "zeta-7b license"
            or "domain" in an.cues  # "model for writing sql queries", "llm for a bank app"
            or (self.ctx_models and self.aspects)
            or an.topic_score >= t.topic_exact
            or (an.use_case_score >= t.use_case_exact and len(content_stems(an.focus_text)) >= 2)
        )

    @cached_property
    def domain_words(self) -> frozenset[str]:
        """The distinct words that matched a job or an aspect ("cheapest", "in Thai")."""
        return frozenset(
            normalize(e.words)
            for e in self.an.evidence
            if e.kind in ("use_case", "aspect") and e.in_focus
        )

    @cached_property
    def variant(self) -> str | None:
        """The variant named of the one model in question ("llama 3.1 70b"), if any."""
        return self.an.variants.get(self.subject[0]) if len(self.subject) == 1 else None

    @cached_property
    def unaddressed(self) -> list[str]:
        """Aspects asked that no source states for the models in question (every model
        when none is named): "not stated" is about the loaded sources and those models."""
        scope = self.subject or list(self.kb.models)
        return [
            a
            for a in self.an.aspects
            if not any(f.aspect == a for m in scope for f in self.kb.models[m].facts)
        ]

    @cached_property
    def aspects(self) -> list[str]:
        found = [a for a in self.an.aspects if a not in self.unaddressed]
        # "which one is Meta's?": a maker named with "which" asks who makes what; so does
        # "which lab makes llama?", a "which" with a verb of making and the model named.
        making = bool(self.an.models) and _MAKING.search(self.an.focus_text) is not None
        if not found and self.selector and (self.an.vendor_named or making):
            found = self.kb.role("maker")[:1]
        if self.an.models and self._nationality_asked(found):
            return self.kb.role("maker")[:1]
        return self._aspects_by_fact_words(found)

    def _nationality_asked(self, found: list[str]) -> bool:
        """ "is deepseek chinese?", "isn't mistral a french company?", "deepseek 是国产的吗":
        a model said to be of a country asks where it is from, whatever aspect the country
        word also names ("french" is a language). Only the country word as what the model
        is: "does it speak french?" and "is it good for french?" ask something else."""
        an = self.an
        if not any(e.kind == "cue" and e.ref == "nationality" for e in an.evidence):
            return False
        countries = self.countries
        maker = set(self.kb.role("maker"))
        for e in an.evidence:
            if e.kind == "aspect" and e.ref not in maker and normalize(e.words) not in countries:
                return False  # "is the french version cheaper?": another aspect is asked
        if has_cjk(an.focus_text):
            return _nationality_zh(countries).search(an.focus_text) is not None
        names = tuple(sorted({normalize(e.words) for e in an.evidence if e.kind == "model"}))
        return _nationality_en(names, countries).match(an.focus_text) is not None

    def _aspects_by_fact_words(self, found: list[str]) -> list[str]:
        """One model named, and one of its facts repeats far more of the question than the
        fact of the aspect its first keyword points at: that fact's aspect goes first.
        "what gpus to run deepseek-v2 in bf16?" says "gpus", a training word, but repeats
        the serving-hardware fact; "how much cheaper is it to train than 67b?" says "how
        much" (price) but repeats the training fact."""
        t = self.t
        if not found or len(self.an.models) != 1:
            return found
        model = self.an.models[0]
        mine = [f for f in self.an.named_facts if f.model == model]
        keyword = max((f.score for f in mine if f.aspect == found[0]), default=0.0)
        first = max(keyword, t.fact_words_min)
        other = next((f for f in mine if f.aspect in found[1:]), None)  # another keyword's
        loose = mine[0] if mine and mine[0].aspect not in found else None  # words alone
        for fact in (other, loose):
            if (
                fact is not None
                and fact.score >= t.fact_words_margin * first
                and len(set(fact.evidence)) >= t.fact_words_override
            ):
                return [fact.aspect, *(a for a in found if a != fact.aspect)]
        return found

    @cached_property
    def strength(self) -> float:
        return 0.55 + 0.45 * self.an.explained

    @cached_property
    def selector(self) -> bool:
        return _SELECTOR.search(self.an.focus_text) is not None

    @cached_property
    def superlative(self) -> bool:
        return _SUPERLATIVE.search(self.an.focus_text) is not None

    @cached_property
    def in_domain(self) -> bool:
        an, t = self.an, self.t
        cues = an.cues
        # A topic keyword ("verdict", "timeline") is domain evidence too, unless it is one
        # word among several unknown ones and nothing else of the topic's phrasing is there
        # ("how much should I keep in an emergency fund?").
        topical = bool(an.keyword_topics - set(SMALL_TALK)) and (
            an.unknown_words < t.topic_keyword_unknown_max or an.topic_score > t.topic_strong
        )
        domain = (
            "domain" in cues
            or an.domain_anywhere
            or bool(self.article_entities)
            or topical
            or bool(an.background_models)  # a model named in the sentences around it
        )
        return (
            an.explained >= t.explained_min
            or (domain and an.explained >= t.explained_min_domain)
            or ("article" in cues and an.explained >= t.explained_min_cue)
        )

    @cached_property
    def leans_on_context(self) -> bool:
        """A follow-up that may borrow the previous models ("how many params does it have?").

        Never when it names something of its own: a company, another entity, a model the
        article does not cover, or a topic keyword.
        """
        an = self.an
        if not self.ctx_models or an.entities or an.unknown_names:
            return False
        if an.keyword_topics and "follow_up" not in an.cues:
            return False  # a topic keyword, and no "it"/"the two": a new question
        return an.follow_up or self.short

    @cached_property
    def named(self) -> list[str]:
        """Models named in this message: in the question, or, for "what even is it?", in the
        sentences around it."""
        an = self.an
        if an.models:
            return an.models
        # "… openai, meta and mistral all dropped something. when did each one come out?"
        # asks about every model, not the one named in passing.
        if an.all_models:
            return []
        if not an.background_models or an.entities:
            return []
        if an.follow_up or "follow_up" in an.cues:
            return an.background_models  # "I use mistral at work. is it open source?"
        # "I use mistral at work. which is cheapest?": a choice among models, not a question
        # about the one the asker mentioned; "llama 跟 mistral 比，谁更强？" chooses between
        # the two it named.
        chooses = self.selector or self.superlative or "recommend" in an.cues
        if chooses and len(an.background_models) < 2:
            return []
        return an.background_models if self.short else []

    @cached_property
    def subject(self) -> list[str]:
        """The models the question is about: named ones, else the context's if it leans."""
        return self.named or (self.ctx_models if self.leans_on_context else [])

    @cached_property
    def short(self) -> bool:
        return len(content_stems(self.an.focus_text)) <= self.t.follow_up_max_words

    @cached_property
    def reverse_fact(self) -> tuple[str, str, list[str]] | None:
        """(model, aspect, evidence) when "which one is/has/supports …" repeats a stated
        fact ("which one was trained on 15T tokens?", "哪个模型支持80多种编程语言")."""
        an, t = self.an, self.t
        property_asked = _PROPERTY.search(an.focus_text) is not None
        if self.named or not an.facts or not (self.selector or property_asked):
            return None
        if self.superlative or _PLURAL.search(an.focus_text):
            return None  # "which is the biggest of the three?" ranks, it does not look up
        if an.all_models and not property_asked:
            return None
        if "follow_up" in an.cues and self.ctx_models:
            return None  # "which of the two came out first?" is about the previous answer
        best = an.facts[0]
        rival = next((m for m in an.facts if m.model != best.model), None)
        rival_score = rival.score if rival else 0.0
        strong = best.score >= t.reverse_fact_min and (best.has_number or len(best.evidence) >= 2)
        # A figure only this model's fact gives ("July 23", "80+ languages") settles it, if
        # the question repeats something else of that fact too ("8卡" is not "eight languages").
        own_figure = bool(set(best.numbers) - set(rival.numbers if rival else ())) and len(
            best.evidence
        ) > len(best.numbers)
        if not strong or not (own_figure or best.score >= t.reverse_fact_margin * rival_score):
            return None
        # "Which model does the article recommend for us?" asks for a choice, not a fact,
        # unless a figure only one fact gives is repeated. Without a property verb ("which
        # one *supports* …"), only such a figure or the fact's aspect named outright
        # ("7月18号发布的是哪个") says a fact is being looked up.
        if _CHOICE.search(an.focus_text) and (not own_figure or self.has_job):
            return None
        if not property_asked and not own_figure and best.aspect not in self.aspects:
            return None
        if best.aspect not in self.aspects and self.only_aspect_words(best.evidence):
            # "which is newer?" asks the release date; a fact of another aspect that shares
            # only the aspect's own words ("the new release supports tools") is not it.
            return None
        # "Which one supports 80+ languages?" asks whose fact that is; "which model for my
        # coding agency?" asks for a job. Without a figure of its own, a fact wins over a job
        # only when the question asks about the fact's property ("which one *is* free…") or
        # names its aspect, and no second job backs the same model.
        if not own_figure and self.has_job:
            asks_property = (
                _PROPERTY.search(an.focus_text) is not None or best.aspect in self.aspects
            )
            if not asks_property or an.job_support >= 2:
                return None
        # "which model has 405 billion parameters?": the fact of the aspect asked, when it
        # repeats the question nearly as well as another fact of the same model.
        asked = next(
            (
                f
                for f in an.facts
                if f.model == best.model
                and f.aspect in self.aspects
                and f.score >= t.reverse_fact_aspect_share * best.score
            ),
            best,
        )
        return best.model, asked.aspect, list(asked.evidence)

    def only_aspect_words(self, words: Iterable[str]) -> bool:
        """Whether every word is a word (stem) of the terms of the aspects asked."""
        if not self.aspects:
            return False
        terms = set().union(*(self.aspect_terms.get(a, frozenset()) for a in self.aspects))
        return all(set(content_stems(normalize(w))) <= terms for w in words)

    @cached_property
    def aspects_beside_job(self) -> bool:
        """Whether an aspect is asked in words that are not a matched job's own, nor a trait
        wished for ("cheap")."""
        matched = [uc for score, uc in self.an.use_cases if score >= self.t.use_case_min]
        return self._aspect_words_beside(matched, self.trait_terms)

    @cached_property
    def aspect_asked_of_job(self) -> bool:
        """Whether an aspect is asked in words that are not the best job's own: "贵" of
        "苹果手机贵吗" (while "low cost" is the cost job's own phrase)."""
        best = self.an.use_case
        return self._aspect_words_beside([best] if best else [], set())

    def _aspect_words_beside(self, use_cases: list[str], allowed: set[str]) -> bool:
        if not self.aspects:
            return False
        job: set[str] = set(allowed)
        for use_case in use_cases:
            job |= self.kb_job_terms(use_case)
        for e in self.an.evidence:
            if e.kind != "aspect" or e.ref not in self.aspects:
                continue
            norm = normalize(e.words)
            # a one-character word ("贵") has no bigram: it stands for itself
            words = set(content_stems(norm)) | {g for g in bigrams(norm) if len(g) == 2} or {norm}
            if not words <= job:
                return True
        return False

    @cached_property
    def trait_terms(self) -> set[str]:
        """Words of the traits asked for: "open-source" is then a wish, not an aspect."""
        terms: set[str] = set()
        for trait in self.asked_traits:
            for text in self.kb.concepts[trait].all():
                norm = normalize(text)
                terms.update(content_stems(norm))
                terms.update(g for g in bigrams(norm) if len(g) == 2)
        return terms

    def kb_job_terms(self, use_case: str) -> set[str]:
        terms = self.job_terms.get(use_case, frozenset())
        return {t.lstrip("~") for t in terms}

    # -- building answers ---------------------------------------------------------
    def base(self, intent: str | None, confidence: float) -> Answer:
        return self.c.base(self.an.question, self.an.lang, intent, confidence)

    def model_score(self, model_id: str) -> float:
        return self.an.model_scores.get(model_id, 1.0)


@dataclass(frozen=True)
class Rule:
    """One row of the policy: when ``when`` holds, ``then`` answers.

    ``en`` and ``zh`` say in a few words what the rule recognises; "Why this answer?"
    shows them.
    """

    name: str
    en: str
    zh: str
    when: Callable[[Situation], bool]
    then: Callable[[Situation], Answer]

    def summary(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# -- handlers -------------------------------------------------------------------
def _decline_empty(s: Situation) -> Answer:
    ans = s.c.decline(
        s.base("out_of_scope", 1.0), s.kb.responses.out_of_scope, models=s.c.covered(s.an.lang)
    )
    ans.chatter = True  # only emoji, mentions, links or code: nothing asked of the bot
    return ans


def _small_talk_topic(s: Situation) -> str | None:
    an = s.an
    if "task" in an.cues and not an.small_talk:
        return None  # "翻译成日语：谢谢您的款待" is a task that quotes a thank-you
    if an.small_talk and an.topic_score >= 1.0:
        return an.small_talk  # exactly one of its phrasings ("how does this bot work")
    if _about_the_bot(s):
        return "help"
    if s.named or an.aspects or s.has_job:
        return None
    thanks = an.small_talk == "thanks" or "thanks" in an.keyword_topics
    if not thanks and ("article" in an.cues or an.keyword_topics - set(SMALL_TALK)):
        # "hey bot, what's the article about": a greeting before a question about the
        # article is not small talk on its own ("thanks for the article" still thanks).
        return None
    if an.small_talk == "greeting" and "help" in an.keyword_topics:
        return "help"  # "hey bot what can u do": the greeting opens a help request
    if an.small_talk:
        return an.small_talk
    # Help before greeting ("hi, how do I use you"); a greeting must be all greeting.
    # Thanks may carry a few words more ("cheers, that helped").
    for topic_id, unknown_allowed in (("help", 1.0), ("thanks", 2.0), ("greeting", 0.0)):
        if topic_id in an.keyword_topics and an.unknown_words <= unknown_allowed:
            return topic_id
    return None


def _about_the_bot(s: Situation) -> bool:
    """An aspect or a model word said of the bot itself ("how much do you cost", "what
    model are you", "你支持什么语言"), and nothing else: what it is and does is
    the help reply, not a fact to look up for some model, nor the previous answer's model."""
    an = s.an
    if s.named or an.entities or an.unknown_names or {"recommend", "compare"} & an.cues:
        return False
    if not s.asked or s.pasted or an.keyword_topics - set(SMALL_TALK):
        return False  # "…your branch is behind" in a log; "where does your info come from?"
    if not (an.aspects or "domain" in an.cues) or an.unknown_words:
        # "what's your name" (no word of the domain) is left to the help phrasings; "what
        # are your opening hours" has words no source explains: asked of a shop, not of me.
        return False
    return bool(_OF_THE_BOT.search(an.focus_text))


def _small_talk(s: Situation) -> Answer:
    topic_id = _small_talk_topic(s) or "help"
    confidence = max(s.an.topic_score, 0.85) if s.an.small_talk else 0.85
    intent = SMALL_TALK_INTENT.get(topic_id, topic_id)
    return s.c.topic(s.base(intent, min(confidence, 1.0)), topic_id)


def _is_task(s: Situation) -> bool:
    """ "translate this for me", "帮我写个排序", "how do I fine-tune with LoRA?": a job for
    the bot itself (or a how-to), not a question about the article's models."""
    an = s.an
    cues = an.cues
    if not s.named and not s.selector:
        # "what's the best way to chunk PDFs?", "how do I fine-tune a model with LoRA?":
        # how-to advice, not a choice of model, whatever cue words it has.
        if _ADVICE.search(an.focus_text):
            return True
        if _HOW_TO.search(an.focus_text) and "recommend" not in cues:
            return True
    if {"recommend", "compare"} & cues or an.phrase_question:
        return False
    # "Generate 20 synthetic patient records for me": an order, not a question.
    if _ERRAND.search(an.focus_text):
        return True
    if _IMPERATIVE.search(an.focus_text) and not an.keyword_topics:
        return True
    # "llama or mistral for translation?": a word of a job beside two models is a choice
    # between them, not the job asked of the bot; and "mistral for translation?" names the
    # job ("translation" is a job's word as well as the task's), it does not order it done.
    return "task" in cues and len(s.named) < 2 and not _task_word_names_the_job(s)


def _task_word_names_the_job(s: Situation) -> bool:
    if not s.named and "domain" not in s.an.cues:
        return False  # "translation?" alone says nothing of models
    task = {normalize(e.words) for e in s.an.evidence if e.kind == "cue" and e.ref == "task"}
    jobs = {normalize(e.words) for e in s.an.evidence if e.kind == "use_case"}
    return bool(task) and task <= jobs


def _decline_not_asked(s: Situation) -> Answer:
    """Nothing was asked: declined as chatter (front ends stay quiet in ask channels)."""
    ans = s.c.decline(
        s.base("out_of_scope", 0.95), s.kb.responses.not_a_question, models=s.c.covered(s.an.lang)
    )
    ans.chatter = True
    return ans


def _decline_task(s: Situation) -> Answer:
    ans = s.c.decline(s.base("out_of_scope", 0.9), s.kb.responses.task_request)
    return ans


def _decline_uncovered(s: Situation) -> Answer:
    names = join_names(dict.fromkeys(s.uncovered), s.an.lang)
    return s.c.decline(
        s.base("unknown_model", 0.9),
        s.kb.responses.unknown_model,
        model=names,
        models=s.c.covered(s.an.lang),
    )


def family_name(model: Model) -> str:
    """What a model's variants' names share ("Llama 3.1" of "Llama 3.1 8B", "… 70B")."""
    words = [v.name.split() for v in model.variants] or [model.name.split()]
    common: list[str] = []
    for group in zip(*words, strict=False):
        if len(set(group)) > 1:
            break
        common.append(group[0])
    return " ".join(common) or model.name


def _decline_unknown_variant(s: Situation) -> Answer:
    model_id, size = s.an.unknown_variant or ("", "")
    model = s.kb.models[model_id]
    name = f"{family_name(model)} {size}"
    ans = s.c.decline(
        s.base("unknown_model", 0.9),
        s.kb.responses.unknown_variant,
        model=name,
        variants=join_names((v.name for v in model.variants), s.an.lang),
    )
    ans.models = [model_id]
    return ans


def _asks_uncovered(s: Situation) -> bool:
    if not s.uncovered:
        return False
    # "Qwen2 vs Llama", "is ERNIE better than llama?", "which is cheaper, gemini or gpt-4o
    # mini?": a comparison with it is about it too.
    an = s.an
    compared = "compare" in an.cues or _COMPARATIVE.search(an.focus_text) is not None
    return not s.named or compared or s.superlative


def _not_addressed(s: Situation) -> Answer:
    ans = s.base("not_stated", 0.9)
    return s.c.not_addressed(ans, s.subject, s.unaddressed[0], s.variant)


def _compare_named(s: Situation) -> Answer:
    models = _compared_models(s)
    ans = s.base("compare", 0.9 * s.strength + 0.1)
    aspects = s.aspects
    if not aspects and s.an.follow_up and s.ctx_aspect:
        aspects = [s.ctx_aspect]  # "它跟 DeepSeek-V2 比呢？" after a question about size
    if s.has_job and not aspects:
        if _picks_among_named(s):
            # "gpt-4o mini or mistral for code review?": a pick among the models named.
            return _recommend(s, among=models)
        return s.c.compare_for_use_case(ans, models, s.an.use_case or "")
    return s.c.compare(ans, models, aspects)


def _picks_among_named(s: Situation) -> bool:
    """ "which of llama or mistral for code review?", "写代码用 llama 还是 mistral": the models
    named are offered as alternatives for a job (a selector, a recommend word, "or"), and
    nothing asks to set them side by side ("vs", "better at", "区别")."""
    an = s.an
    side_by_side = any(
        e.kind == "cue" and e.ref == "compare" and normalize(e.words) not in s.choice_words
        for e in an.evidence
    )
    if side_by_side:
        return False
    # Whole words in English ("or", not the "or" of "for"); Chinese has no word breaks.
    spaced = f" {' '.join(tokens(an.focus_text))} "
    offered = any(f" {w} " in spaced if w.isascii() else w in an.focus_text for w in s.choice_words)
    return offered or s.selector or "recommend" in an.cues


def _topic_keyword_for_aspect(s: Situation) -> bool:
    """ "in what order did OpenAI, Meta and Mistral launch?", "when were A, B and C each
    released?": the aspect a topic answers, asked of three or more models, or with that
    topic's keyword, is that topic."""
    topic_id = _topic_for_every(s)
    if topic_id is None or _about_not_a_model(s):
        return False
    named = len(s.named)
    if 0 < named < s.t.topic_models_min:
        return False  # "which came out first, llama or mistral?": those two, side by side
    return topic_id in s.an.keyword_topics or named >= s.t.topic_models_min


def _compared_models(s: Situation) -> list[str]:
    models = list(s.named)
    # "compare all of them on size, deepseek included": every model, the named one too.
    if s.an.all_models and len(models) == 1 and (s.aspects or "compare" in s.an.cues):
        return list(s.kb.models)
    # "how does it compare to llama?" compares with the model already in context.
    if len(models) == 1 and "compare" in s.an.cues:
        models = [*(m for m in s.ctx_models if m not in models), *models]
    return models


def _one_model(s: Situation) -> bool:
    return len(s.named) == 1


def _mostly_understood(s: Situation) -> bool:
    """Not a model's name inside a question about something else ("when does the mistral
    wind blow in southern France?"): few unknown words, or most of the question known."""
    an = s.an
    return an.unknown_words < 2 or an.explained >= s.t.explained_min_cue


def _fact_named(s: Situation) -> Answer:
    model = s.named[0]
    ans = s.base("fact", s.model_score(model) * s.strength)
    return s.c.fact(ans, model, s.aspects[0], s.asked_details, s.an.variants.get(model))


def _overview_asked(s: Situation) -> bool:
    """ "give me a rundown of X": an overview cue outranks a job named in passing."""
    return "overview" in s.an.cues and s.an.use_case_score < s.t.use_case_exact


def _job_named(s: Situation) -> Answer:
    model = s.named[0]
    ans = s.base("fact", min(s.model_score(model), s.an.use_case_score) * s.strength)
    return s.c.model_for_use_case(ans, model, s.an.use_case or "", s.an.variants.get(model))


def _named_follow_up(s: Situation) -> bool:
    """ "and llama?", "mistral 的呢": a model alone, leaning on the previous question."""
    an = s.an
    short = len(content_stems(an.focus_text)) <= s.t.follow_up_max_words
    # "what is deepseek?" after a price question asks what DeepSeek is: an overview cue
    # without a follow-up word ("and", "what about") starts a new question.
    if "overview" in an.cues and "follow_up" not in an.cues:
        return False
    return (
        _one_model(s)
        and s.ctx is not None
        and (an.follow_up or short)
        and (s.ctx_aspect is not None or s.ctx_use_case is not None)
    )


def _follow_up_named(s: Situation) -> Answer:
    model = s.named[0]
    ans = s.base("fact", s.model_score(model) * s.strength)
    if s.ctx_aspect is not None:
        return s.c.fact(ans, model, s.ctx_aspect, s.asked_details, s.an.variants.get(model))
    return s.c.model_for_use_case(ans, model, s.ctx_use_case or "")


def _asks_why_of_pick(s: Situation) -> bool:
    """ "why that one?", "为什么选它" right after a recommendation: its reason."""
    return (
        _WHY.search(s.an.focus_text) is not None
        and not s.named
        and not s.aspects
        and len(s.ctx_models) == 1
        and s.ctx_use_case is not None
        and s.short
        and s.an.unknown_words == 0  # "why is the sky blue?" asks something else
    )


def _why_of_pick(s: Situation) -> Answer:
    ans = s.base("fact", s.strength)
    return s.c.model_for_use_case(ans, s.ctx_models[0], s.ctx_use_case or "")


def _topic_keyword_beats_model(s: Situation) -> bool:
    an = s.an
    return (
        _one_model(s)
        and an.topic in an.keyword_topics
        and an.topic not in ("overview", *SMALL_TALK)
        and an.topic_score >= s.t.topic_strong
        and an.use_case_score < s.t.use_case_exact
        and not s.aspects
    )


def _topic(s: Situation) -> Answer:
    topic_id = s.an.topic or "overview"
    return s.c.topic(s.base("topic", s.an.topic_score * s.strength), topic_id)


# "is there a 3b one?", "有 7b 的吗", "does it come in 70b": whether a size exists.
_EXISTS = re.compile(
    r"\b(?:is there|are there|does (?:it|\S+) come in|comes? in|exists?|available in|"
    r"do they (?:have|make))\b|有没有|有[^？?吗]{0,16}吗|有[^？?]{0,8}版本"
)


def _family_fact(s: Situation) -> str | None:
    """The aspect of the named model's fact that lists its family's sizes, when the
    question names one of them and asks whether it exists ("qwen2.5 有 3b 的吗"): the
    fact naming the most of the model's variants, two at least."""
    model = s.kb.models[s.named[0]]
    if model.id not in s.an.variants or not _EXISTS.search(s.an.focus_text):
        return None
    sizes = [re.compile(rf"(?<![\w.]){re.escape(v.id)}(?!\w)", re.I) for v in model.variants]
    best, best_count = None, 1
    for fact in model.facts:
        if not fact.stated:
            continue
        count = sum(bool(size.search(fact.text.en)) for size in sizes)
        if count > best_count:
            best, best_count = fact.aspect, count
    return best


def _fact_by_words(s: Situation) -> tuple[str, float] | None:
    """The aspect of the named model's stated fact that the rest of the question repeats,
    when no aspect keyword was found ("how long can qwen2.5 outputs be?" repeats "generate
    up to 8K tokens"): distinctive words of one fact, well ahead of the model's others."""
    an, t = s.an, s.t
    if not _one_model(s) or s.aspects or "overview" in an.cues:
        return None
    model = s.named[0]
    family = _family_fact(s)
    if family is not None:
        return family, t.fact_words_min
    mine = [f for f in an.named_facts if f.model == model]
    if not mine:
        return None
    best = mine[0]
    runner = mine[1].score if len(mine) > 1 else 0.0
    shared = set(best.evidence)  # words, figures and concepts, the names left out
    if best.score < t.fact_words_margin * runner:
        return None
    if len(shared) >= 2 and best.score >= t.fact_words_min:
        return best.aspect, best.score
    # "deepseek v2 在 alignbench 上多少分", "does qwen2.5 do arabic?": one word that only
    # this fact (or one other) uses names it, where a common word would not.
    (word,) = shared if len(shared) == 1 else ("",)
    rare = (
        best.score >= t.fact_word_rare_min
        and len(word) >= t.fact_word_rare_len
        and word.isascii()
        and word.isalpha()
    )
    return (best.aspect, best.score) if rare else None


def _fact_outweighs_unaddressed(s: Situation) -> bool:
    """ "is qwen2.5 good for chatbots with system prompts and role play?": "system prompts"
    is a word of an aspect no source gives for it, but one of its stated facts repeats
    much more of the question; that fact answers instead of "my sources don't say"."""
    found = _fact_by_words(s)
    if found is None:
        return False
    best = next(f for f in s.an.named_facts if f.model == s.named[0])
    return len(set(best.evidence)) >= s.t.fact_words_outweigh


def _unranked_job_with_fact(s: Situation) -> bool:
    """ "can I run qwen2.5 locally on my mac?": no source ranks that model for the job the
    words suggest, but one of its facts repeats them; the fact answers, not the job."""
    job = s.kb.use_cases.get(s.an.use_case or "")
    ranked = job is not None and any(r.model == s.named[0] for r in job.ranking)
    return not ranked and _fact_by_words(s) is not None


def _fact_from_words(s: Situation) -> Answer:
    found = _fact_by_words(s)
    assert found is not None
    model = s.named[0]
    ans = s.base("fact", s.model_score(model) * (0.45 + 0.45 * s.an.explained) + 0.1)
    return s.c.fact(ans, model, found[0], s.asked_details, s.an.variants.get(model))


def _overview_named(s: Situation) -> bool:
    an = s.an
    if not _one_model(s):
        return False
    # "how long do llamas live?" names a model but asks nothing we know about it.
    return ("overview" in an.cues and an.unknown_words < 2) or (
        an.unknown_words < s.t.unknown_words_max
    )


def _overview(s: Situation) -> Answer:
    model = s.named[0]
    ans = s.base("overview", s.model_score(model) * (0.6 + 0.4 * s.an.explained))
    return s.c.overview(ans, model, s.an.variants.get(model))


def _unclear_named(s: Situation) -> Answer:
    model = s.named[0]
    ans = s.c.decline(s.base("out_of_scope", 0.4), s.kb.responses.low_confidence)
    ans.suggestions = [s.kb.models[model].name, *s.c.known_aspect_questions(model, s.an.lang)[:2]]
    return ans


def _asks_about_entity(s: Situation) -> bool:
    """ "how much did Baichuan raise?", but not "how do I go live on ByteDance's Douyin?"."""
    an = s.an
    return (
        bool(s.article_entities)
        and not _HOW_TO.search(an.focus_text)
        and an.unknown_words <= s.t.unknown_words_max
    )


def _entity_topic(s: Situation) -> Answer:
    return s.c.topic(s.base("topic", 0.85 * s.strength), s.article_entities[0])


def _context_fact(s: Situation) -> Answer:
    models = s.subject
    if len(models) == 1:
        ans = s.base("fact", 0.85 * s.strength)
        return s.c.fact(ans, models[0], s.aspects[0], s.asked_details, s.an.variants.get(models[0]))
    return s.c.compare(s.base("compare", 0.85 * s.strength), models, s.aspects)


def _reverse_fact(s: Situation) -> Answer:
    found = s.reverse_fact
    assert found is not None
    model, aspect, _ = found
    return s.c.fact(s.base("fact", 0.8 * s.strength + 0.1), model, aspect)


def _asks_for_job(s: Situation) -> bool:
    an, t = s.an, s.t
    if not s.has_job:
        return False
    # "how many languages are spoken in India?" asks a quantity, and "python or javascript
    # for beginners?" a choice between the two: neither asks for a model.
    own_choice = _QUANTITY_ASKED.search(an.focus_text) is not None or an.alternatives
    models_in_play = s.named or "domain" in an.cues or (s.ctx_models and an.follow_up)
    if own_choice and not models_in_play:
        return False
    # "where's the bug in this script?" above a paste, "which setting do I change?" under a
    # build log: the job's words ("script", "javascript") describe the paste, and the
    # question is about it, not about a model.
    if s.pasted and not models_in_play:
        return False
    # An aspect asked on its own ("which languages?") is not a job, unless its words are
    # the job's own ("users in Thailand": a language, and the multilingual job).
    weak_job = an.use_case_score < t.use_case_exact and an.job_support < 2
    # "which of the three is cheapest?", "三个模型哪个最便宜": every model ranked by an
    # aspect whose word is all the job there is, and no situation: a comparison of them all.
    if (
        an.all_models
        and s.superlative
        and weak_job
        and not s.named
        and s.only_aspect_words(s.best_job_phrases)
    ):
        return False
    # "which is good at math?" asks the job's ranking all the same.
    good_at = _good_at_among_models(s)
    if (
        s.aspects_beside_job
        and not s.superlative
        and "recommend" not in an.cues
        and weak_job
        and not good_at
    ):
        return False
    # "苹果手机多少钱", "how much is an iphone": the aspect is asked of the one thing the job
    # is read from, and nothing chooses or names a model.
    if (
        s.aspect_asked_of_job
        and not good_at
        and an.job_support < 2
        and not (s.superlative or s.selector or models_in_play)
        and "recommend" not in an.cues
    ):
        return False
    strong_topic = (
        an.topic not in (None, *SMALL_TALK)
        and an.topic_score >= t.topic_strong
        and an.topic_score > an.use_case_score
    )
    if strong_topic:
        return False
    if "article" in an.cues and an.topic_score >= t.topic_min and "recommend" not in an.cues:
        return False  # "tl;dr of the article": the article, not a summarisation job
    cued = bool({"recommend", "domain"} & an.cues) or s.selector
    if not cued and _job_said_as_topic_keyword(s):
        return False  # "tl;dr?": the article's summary, not a summarising job
    if _about_not_a_model(s):
        return False  # "recommend a cheap phone": the thing asked for is not a model
    if _HOW_TO.search(an.focus_text) and not cued:
        return False  # "how do I set up customer support in Zendesk?" asks how, not which
    if an.asked_of_other and an.use_case_score < t.use_case_exact and not (cued or s.named):
        # "does my bank charge for international transfers?" asks about the bank; a job's
        # own phrase is a situation asked about ("would a law firm be better off self-hosting?")
        return False
    agreed = (
        an.job_support >= 2
        and an.use_case_score >= t.use_case_min
        # two jobs met by a word each ("my bank … international transfers") agree only
        # where half of the question is understood
        and an.explained
        >= (t.explained_min_cue if an.use_case_score < t.use_case_exact else t.explained_min_domain)
    )
    situation = (an.use_case_score >= t.situation_min or agreed) and (
        an.explained >= t.explained_min_cue or agreed
    )
    # One job word, and only a superlative or a need to ask with ("the fastest way from
    # the airport", "do I need an international permit?", "best picture"): the superlative
    # may be about anything, so the rest of the question must be ours too.
    weak = an.use_case_score < t.use_case_exact and an.job_support < 2
    if (
        weak
        and len(s.domain_words) < t.domain_words_min
        and not _choice_asked(s)
        and (an.unknown_words >= 1 or an.explained < t.explained_min)
    ):
        return False
    asks = (
        cued
        or good_at
        or (an.follow_up and bool(s.ctx_models))
        or an.use_case_score >= t.use_case_exact
        or an.phrase_question
        or situation
    )
    strong_job = an.use_case_score >= t.use_case_exact and an.explained >= t.explained_min_cue
    # "what would you pick for a bank app that can't send data to the cloud?": asked
    # outright, a job needs only half of the question understood.
    asked = "recommend" in an.cues and an.explained >= t.explained_min_cue
    return asks and (s.in_domain or strong_job or situation or asked)


# "I need" and a superlative ("the fastest", "best") ask for the best of anything; the
# other recommend cues ("which one", "pick", "推荐", "用哪个") ask for a model.
_NEED = re.compile(r"(?:i|we|you) need|need")
_NEED_TO = re.compile(r"\bneeds? to\b")


_ANY_OF = re.compile(r"\bany of (?:them|these|those|the models|the three|the four)\b|有没有哪个")


# "what is synthetic data?", "what's an edge device", "什么是合成数据", "合成数据是什么意思":
# the thing asked to be defined is group 1 (or 2).
_DEFINITION = re.compile(
    r"^(?:what(?:'s| is| are)|whats|define|meaning of) (?:a |an |the )?(.+?)\??$"
    r"|^(?:什么是|何为|啥是)(.+?)[?？]?$|^(.+?)是(?:什么|啥)(?:意思|东西)?[?？]?$"
)


def _defines_the_job(s: Situation) -> bool:
    """ "what is customer support?": a job's own phrase asked to be defined is general
    knowledge, not a request for a model (no model, model word or recommend cue in it)."""
    an = s.an
    if s.named or {"domain", "recommend"} & an.cues or an.follow_up or an.keyword_topics:
        return False  # "what's the tl;dr": a topic's keyword, the article's summary
    match = _DEFINITION.match(an.focus_text)
    if match is None:
        return False
    thing = next(g for g in match.groups() if g)
    for e in an.evidence:
        if e.kind != "use_case":
            continue
        words = normalize(e.words)
        if compact(words) == compact(thing):
            return True
        stems = set(content_stems(words))
        if stems and stems == set(content_stems(thing)):
            return True  # "what are edge devices" and the phrase "edge device"
    return False


def _decline_definition(s: Situation) -> Answer:
    ans = s.c.decline(
        s.base("out_of_scope", 0.85), s.kb.responses.out_of_scope, models=s.c.covered(s.an.lang)
    )
    ans.suggestions = suggestions_for(s)
    return ans


def _good_at_among_models(s: Situation) -> bool:
    """ "which is good at math?", "any of them good at maths?": what a model is good at,
    asked as a choice of one among the models, is the job's ranking. Not what each one is
    good at ("each one", "which … and which …", the author's view): that compares them all;
    and "is it good at math?" of one model is answered by job_named before this."""
    an = s.an
    if s.named or an.all_models or "article" in an.cues or _PARTITION.search(an.focus_text):
        return False
    among = s.selector or _ANY_OF.search(an.focus_text) is not None
    return among and set(s.aspects) <= set(s.kb.role("good_at"))


def _choice_asked(s: Situation) -> bool:
    """Whether the message asks for a choice among models outright: a selector ("which",
    "哪"), a domain word ("model"), a follow-up on the previous answer, or a recommend cue
    that is more than a superlative or a need."""
    an = s.an
    if s.selector or "domain" in an.cues or (s.ctx_models and an.follow_up):
        return True
    if _NEED_TO.search(an.focus_text):
        return True  # "need to boil reports down to a page": a job to be done, not a thing
    for e in an.evidence:
        if e.kind == "cue" and e.ref == "recommend":
            words = normalize(e.words).removeprefix("the ")
            if not (_SUPERLATIVE.fullmatch(words) or _NEED.fullmatch(words)):
                return True
    return False


def _asks_job_by_size(s: Situation) -> bool:
    """ "what's a good 7b model for chat?": a job for models of one size. The sources rank
    families for jobs, never sizes, so no ranking answers it."""
    return bool(s.an.bare_size) and not s.named and _asks_for_job(s)


def _decline_size(s: Situation) -> Answer:
    return s.c.decline(
        s.base("not_stated", 0.8), s.kb.responses.no_ranking, models=s.c.covered(s.an.lang)
    )


def _recommend(s: Situation, among: list[str] | None = None) -> Answer:
    conf = s.an.use_case_score * (0.7 + 0.3 * s.an.explained)
    if among is None and _chooses_among_previous(s):
        among = s.ctx_models
    return s.c.recommend(
        s.base("recommend", conf), s.an.use_case or "", among=among, prefer=s.asked_traits
    )


# "which one", "哪一个": a choice among things just shown, where "which model" is not.
_WHICH_ONE = re.compile(r"\bwhich (?:one|of)\b|哪一?个")


def _chooses_among_previous(s: Situation) -> bool:
    """ "which one's better for coding tho?" right after Llama and Mistral side by side:
    a choice between those two, not among every model. Only a follow-up (it leans on the
    previous answer, or says "which one") that names no model, no other thing and not "all
    of them" narrows the ranking."""
    an = s.an
    if len(s.ctx_models) < 2 or s.named or an.all_models or an.entities or an.unknown_names:
        return False
    return s.leans_on_context or _WHICH_ONE.search(an.focus_text) is not None


def _compares_every_model(s: Situation) -> bool:
    """ "compare all three on price", "which one needs the most hardware?", "各家是谁做的"."""
    an = s.an
    ranked = bool(s.aspects) and s.superlative and s.selector  # "which one is the biggest?"
    if _about_not_a_model(s):
        return False  # "what's the release date of the new zelda game?"
    if s.named or not (s.in_domain or (ranked and an.explained >= s.t.explained_min_cue)):
        return False
    # Ranking every model without saying so ("the three", "models", "compare", a previous
    # answer) needs every word to be ours: "which language has the most speakers?" ranks
    # languages, not models.
    said = an.all_models or {"compare", "domain"} & an.cues or s.ctx_models
    if not said and an.unknown_words >= s.t.rank_unknown_max:
        return False
    if an.topic_score >= s.t.topic_exact and not s.aspects:
        return False  # "what did the article compare": a topic's own phrasing
    if an.all_models and (s.aspects or "compare" in an.cues):
        return True
    if s.aspects and (
        (s.superlative and s.selector) or "compare" in an.cues or _PARTITION.search(an.focus_text)
    ):
        return not s.has_job or not an.focus_use_case
    if (
        s.aspects
        and s.selector
        and not (s.has_job or "article" in an.cues)
        and (not an.follow_up or (not s.ctx_models and _THEM.search(an.focus_text)))
        and not _selects_by_aspect_noun(s)
    ):
        # "which is open source?", "哪个能商用": which of them has that aspect; "them" with
        # nothing before it means the models the sources cover.
        return True
    return "compare" in an.cues and not s.has_job and not an.keyword_topics


_SELECTED_NOUN = re.compile(r"\b(?:which|what|whose)\s+([a-z]+)(?:\s+([a-z]+))?")


def _selects_by_aspect_noun(s: Situation) -> bool:
    """ "which country hosted …", "which chinese companies …": the aspect's word is the noun
    the question chooses among, not a property asked of the models."""
    match = _SELECTED_NOUN.search(s.an.focus_text)
    if match is None:
        return False
    if match.group(1) in STOPWORDS:
        return False  # "which is open source": the aspect is asked, nothing chosen
    nouns = {w for w in match.groups() if w}
    return any(
        (norm := normalize(e.words)) and norm.split()[0] in nouns
        for e in s.an.evidence
        if e.kind == "aspect"
    )


def _topic_for_every(s: Situation) -> str | None:
    """The topic that answers "this aspect, for every model" (timeline for release dates).

    Not when a table is asked for ("对比一下") or a ranking ("which is newest?").
    """
    if len(s.aspects) != 1:
        return None
    topic_id = next((t.id for t in s.kb.topics.values() if s.aspects[0] in t.aspects), None)
    named = topic_id is not None and topic_id in s.an.keyword_topics  # "open vs closed"
    if ("compare" in s.an.cues or s.superlative) and not named:
        return None
    return topic_id


def _compare_every(s: Situation) -> Answer:
    topic_id = _topic_for_every(s)
    if topic_id is not None:
        return s.c.topic(s.base("topic", 0.85 * s.strength), topic_id)
    targets = s.ctx_models if len(s.ctx_models) >= 2 and s.leans_on_context else list(s.kb.models)
    return s.c.compare(s.base("compare", 0.85 * s.strength), targets, s.aspects)


def _answers_topic(s: Situation) -> bool:
    an = s.an
    return (
        not _about_not_a_model(s)  # "the conclusion of this restaurant review"
        and an.topic not in (None, *SMALL_TALK)
        and an.topic_score >= s.t.topic_min
        and s.in_domain
        and an.topic_score * s.strength >= s.t.answer
    )


def _about_not_a_model(s: Situation) -> bool:
    """ "which app trains fastest?", "which vpn is the fastest?": the thing asked about is
    named, and it is no model (nor does a model, the article or an LLM word come up)."""
    an = s.an
    if "domain" in an.cues:
        return False
    if "not_model" in an.cues:
        return True
    chosen = (
        bool(an.chosen_other)
        or bool(an.compares_other)
        or _WHOLE_WORLD.search(an.focus_text) is not None
        or _DUMMY_IT.match(an.focus_text) is not None
    )
    return chosen and not (s.named or an.entities or "article" in an.cues or s.leans_on_context)


def _need_model(s: Situation) -> Answer:
    lang = s.an.lang
    ans = s.c.decline(
        s.base(None if s.an.unknown_words == 0 else "out_of_scope", 0.5),
        s.kb.responses.need_model,
        models=join_names((m.name for m in s.kb.models.values()), lang),
    )
    name = s.c.aspect_name(s.aspects[0], lang)
    ans.suggestions = [f"{m.name} {name}" for m in list(s.kb.models.values())[:3]]
    return ans


def _fallback(s: Situation) -> Answer:
    """Suggest close questions when there is some domain evidence, else decline."""
    an, t = s.an, s.t
    candidates = _candidates(s)
    best = min(1.0, candidates[0][0]) if candidates else 0.0
    evidence = best * (0.3 + 0.7 * an.explained)
    domain = bool(an.models or an.entities or {"domain", "article"} & an.cues)
    if best >= t.suggest_min and (domain or an.explained >= t.explained_min_domain):
        evidence = max(evidence, t.suggest)
    if evidence >= t.suggest:
        suggestions = suggestions_for(s)
        if suggestions:
            # Close to something we know: unsure (no intent). Far: out of scope, with hints.
            near = best >= t.near_match and "not_model" not in an.cues
            intent = None if near else "out_of_scope"
            ans = s.c.decline(s.base(intent, evidence), s.kb.responses.low_confidence)
            ans.suggestions = suggestions
            return ans
    ans = s.c.decline(
        s.base("out_of_scope", 1.0 - evidence),
        s.kb.responses.out_of_scope,
        models=s.c.covered(s.an.lang),
    )
    # Nothing of this domain at all: in an ask channel, members talking among themselves.
    ans.chatter = not domain
    ans.looked_like_question = s.asked
    return ans


def _candidates(s: Situation) -> list[tuple[float, str]]:
    out = [(score, f"topic:{t}") for score, t in s.an.topics if t not in SMALL_TALK]
    out += [(score, f"use_case:{u}") for score, u in s.an.use_cases]
    out.sort(key=lambda p: -p[0])
    return out


def suggestions_for(s: Situation) -> list[str]:
    """Up to three answerable questions close to this one, in the asker's language."""
    out: list[str] = []
    for score, ref in _candidates(s):
        if score < 0.3 or len(out) == 3:
            break
        kind, _, ident = ref.partition(":")
        entry = s.kb.topics[ident] if kind == "topic" else s.kb.use_cases[ident]
        options = entry.phrasings.zh if s.an.lang == "zh" else entry.phrasings.en
        if options and options[0] not in out:
            out.append(options[0])
    return out


def _more_than_one_word(norm: str) -> bool:
    """Two Latin words or more, or three Chinese characters or more (about two words)."""
    return len(tokens(norm)) >= 2 or (len(squash(norm)) >= 3 and has_cjk(norm))


def _job_said_as_topic_keyword(s: Situation) -> bool:
    """Whether the best job's phrase is, word for word, a keyword of a topic the question
    reaches ("tl;dr" of the summary job and of the article's overview)."""
    job = {compact(p) for p in s.best_job_phrases}
    return any(compact(normalize(w)) in job for w in s.an.topic_words.values())


def _always(s: Situation) -> bool:
    return True


# -- the policy, first match wins -------------------------------------------------------
RULES: tuple[Rule, ...] = (
    Rule("empty", "nothing left after cleaning (only mentions, emoji or links)",
         "清理后没有内容（只有提及、表情或链接）",
         lambda s: not s.an.norm, _decline_empty),
    Rule("small_talk", "a greeting or a help request, and nothing else",
         "只是问候或求助",
         lambda s: _small_talk_topic(s) is not None, _small_talk),
    Rule("not_asked", "asks nothing: a statement, a bare word, a code paste, chat between members",
         "没有提问：陈述、单个词、贴代码或成员之间的闲聊",
         lambda s: not s.asked, _decline_not_asked),
    Rule("task_request", "asks the bot to do a job itself (translate, write, summarise this)",
         "要求机器人亲自完成任务（翻译、写作、总结）",
         _is_task, _decline_task),
    Rule("unknown_variant", "names a size of a known family that no source describes",
         "提到资料没有介绍的某个模型系列的版本（尺寸）",
         lambda s: s.an.unknown_variant is not None, _decline_unknown_variant),
    Rule("uncovered_model", "asks about a model or product the article does not cover",
         "问的是文章没有介绍的模型或产品",
         _asks_uncovered, _decline_uncovered),
    Rule("not_addressed", "asks what no source gives for that model (benchmarks, CEO, …)",
         "问的是资料没有给出的该模型信息（跑分、CEO 等）",
         lambda s: bool(s.unaddressed) and not _fact_outweighs_unaddressed(s), _not_addressed),
    Rule("compare_named", "two or more covered models named (or one, compared with context)",
         "提到两个或以上的模型（或与上文的模型比较）",
         lambda s: len(_compared_models(s)) >= 2 and not _topic_keyword_for_aspect(s),
         _compare_named),
    Rule("fact_named", "one model and one aspect (price, size, …)",
         "一个模型加一个方面（价格、规模等）",
         lambda s: _one_model(s) and bool(s.aspects) and _mostly_understood(s), _fact_named),
    Rule("topic_over_model", "a topic keyword outranks the model it mentions ('prediction')",
         "话题关键词比提到的模型更重要（“预测”）",
         _topic_keyword_beats_model, _topic),
    Rule("job_named", "one model and a job: is it good for that, per the article",
         "一个模型加一项任务：文章是否推荐它做这件事",
         lambda s: _one_model(s) and s.has_job and not _overview_asked(s)
         and not _unranked_job_with_fact(s), _job_named),
    Rule("follow_up_named", "a model alone after a fact or a job ('and llama?')",
         "在上一个问题之后只提一个模型（“那 llama 呢？”）",
         _named_follow_up, _follow_up_named),
    Rule("why_of_pick", "'why that one?' after a recommendation: the article's reason",
         "推荐之后问“为什么”：文章给出的理由",
         _asks_why_of_pick, _why_of_pick),
    Rule("fact_by_words", "one model, no aspect word, but the words of one of its facts",
         "一个模型，没有方面关键词，但问题复述了它的某条事实",
         lambda s: _fact_by_words(s) is not None, _fact_from_words),
    Rule("overview_named", "one model and nothing else asked: what the article says of it",
         "只提一个模型：文章对它的介绍",
         _overview_named, _overview),
    Rule("unclear_named", "one model, but the rest of the question is not understood",
         "提到一个模型，但问题的其余部分无法理解",
         _one_model, _unclear_named),
    Rule("entity_topic", "names a company the article discusses (Baichuan, Moonshot)",
         "提到文章讨论过的公司（百川、月之暗面）",
         _asks_about_entity, _entity_topic),
    Rule("context_fact", "an aspect for the models of the previous answer ('is it free?')",
         "针对上一个回答中的模型问某个方面（“它免费吗？”）",
         lambda s: bool(s.aspects) and not s.named and bool(s.subject), _context_fact),
    Rule("reverse_fact", "'which one …' repeats one model's stated fact",
         "“哪个模型……”复述了某个模型的事实",
         lambda s: s.reverse_fact is not None and not _about_not_a_model(s), _reverse_fact),
    Rule("job_by_size", "a job for models of one size ('a good 7b model'): no source ranks sizes",
         "问某个规模的模型适合什么任务（“适合聊天的 7B 模型”）：资料不按规模排名",
         _asks_job_by_size, _decline_size),
    Rule("defines_job", "asks what a job's own words mean ('what is synthetic data?')",
         "问某项任务的词是什么意思（“什么是合成数据”）",
         _defines_the_job, _decline_definition),
    Rule("recommend_job", "asks which model suits a job or situation",
         "问哪个模型适合某项任务或场景",
         _asks_for_job, _recommend),
    Rule("compare_every", "compares all models, on an aspect if given ('which is biggest?')",
         "比较所有模型，可针对某个方面（“哪个最大？”）",
         lambda s: _compares_every_model(s) or _topic_keyword_for_aspect(s), _compare_every),
    Rule("topic", "a question about the article as a whole",
         "关于整篇文章的问题",
         _answers_topic, _topic),
    Rule("need_model", "an aspect without a model: ask which model",
         "只问某个方面没说模型：反问是哪个模型",
         lambda s: bool(s.aspects) and s.in_domain and not _about_not_a_model(s), _need_model),
    Rule("fallback", "nothing fits: 'did you mean' when close, else out of scope",
         "都不符合：接近时给出“你是不是想问”，否则说明超出范围",
         _always, _fallback),
)  # fmt: skip


# Decisions made outside the table: the confidence band and the slash commands.
_OTHER_DECISIONS = {
    "below_answer_threshold": (
        "not sure enough to answer: offers 'did you mean' instead",
        "把握不够，改为给出“你是不是想问”",
    ),
    "command": ("a slash command asked for exactly this", "斜杠命令直接指定了这个问题"),
}


def describe_rule(name: str, lang: str) -> str:
    """What a rule (or another decision) recognises, in ``lang``, for "Why this answer?"."""
    rule = next((r for r in RULES if r.name == name), None)
    if rule is not None:
        return rule.summary(lang)
    en, zh = _OTHER_DECISIONS.get(name.split(":", 1)[0], ("", ""))
    return zh if lang == "zh" else en


def decide(s: Situation) -> tuple[Rule, Answer, str | None]:
    """The first rule that holds, its answer, and the name of the next rule that holds."""
    for i, rule in enumerate(RULES):
        if rule.when(s):
            runner_up = next((r.name for r in RULES[i + 1 : -1] if r.when(s)), None)
            return rule, rule.then(s), runner_up
    raise AssertionError("the fallback rule always holds")


__all__ = [
    "RULES",
    "Rule",
    "Situation",
    "Thresholds",
    "decide",
    "describe_rule",
    "suggestions_for",
]
