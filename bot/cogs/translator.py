"""zh-CN localisations for slash command names, descriptions and choices."""

from __future__ import annotations

import discord
from discord import app_commands

ZH_CN: dict[str, str] = {
    # command names (lowercase, no spaces: Discord's name rules apply)
    "ask": "提问",
    "compare": "对比",
    "model": "模型",
    "recommend": "推荐",
    "sources": "来源",
    "help": "帮助",
    "kb": "知识库",
    "status": "状态",
    "reload": "重新加载",
    "check": "检查",
    "unanswered": "未回答",
    # descriptions
    "Ask a question about the LLMs in the article": "就文章中的大模型提问",
    "Your question, in English or Chinese": "你的问题，中英文皆可",
    "Compare two or three models side by side": "并排对比两到三个模型",
    "First model": "第一个模型",
    "Second model": "第二个模型",
    "Optional third model": "可选的第三个模型",
    "Compare only this aspect": "只对比这一方面",
    "What the article says about one model": "文章对某个模型的介绍",
    "The model": "模型",
    "Only this aspect": "只看这一方面",
    "Which model the article recommends for a job": "文章为某项任务推荐哪个模型",
    "The job, e.g. code generation or customer support": "任务，例如代码生成或客服",
    "The source article and what the bot covers": "来源文章及机器人涵盖的内容",
    "How to use the bot, with examples": "使用方法和示例",
    "Knowledge base administration": "知识库管理",
    "Knowledge version, load time, counts": "知识库版本、加载时间和统计",
    "Reload the knowledge files now": "立即重新加载知识库文件",
    "Validate the knowledge files": "校验知识库文件",
    "Most frequent declined or low-confidence questions": "最常见的未回答或低置信度问题",
    "How many groups to show": "显示多少组",
    # aspect choices
    "Release date": "发布时间",
    "Parameters": "参数规模",
    "Modalities": "模态",
    "Languages": "语言",
    "Pricing": "价格",
    "Training": "训练",
    "License & access": "许可与获取",
    "Safety": "安全",
    "Strengths": "优势",
    "Main use case": "主要用例",
    "Origin": "来源公司",
    "Context window": "上下文窗口",
}


class BotTranslator(app_commands.Translator):
    """Serves the zh-CN table above; other locales fall back to English."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        if locale is discord.Locale.chinese:
            return ZH_CN.get(string.message)
        return None
