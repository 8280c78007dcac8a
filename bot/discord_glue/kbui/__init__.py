"""The knowledge editor as Discord admins use it, under ``/kb`` (the cog is ``bot.cogs.admin``).

Every write goes through :class:`bot.kbedit.KbEditor` (preview -> confirm -> revision);
this package only shows previews and asks. One concern per module: ``access`` (who may
edit, checked in every callback), ``state`` (what a button needs between clicks),
``outgoing`` (a message: text, files, components; sent, or edited in place),
``components`` (the buttons and selects, dispatched by custom_id), ``previews`` (a preview
and its Confirm / Cancel / Re-apply), ``entries`` (find, open, edit, phrasings, quotes,
new, delete), ``history`` (history, undo, restore, revert), ``teach`` (unanswered
questions into phrasings), ``transfer`` (export, import), ``logbook`` (the admin log
channel: audits, reloads, the daily digest) and ``forms`` (the modals).
"""
