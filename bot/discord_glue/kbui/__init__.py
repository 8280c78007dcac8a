"""The knowledge editor as Discord admins use it, under ``/kb`` (the cog is ``bot.cogs.admin``).

Every write goes through :class:`bot.kbedit.KbEditor` (preview, confirm, revision);
this package only shows previews and asks. One concern per module:

- ``access``: who may edit, checked in every command, button, select and form;
- ``state``: what a button needs between clicks (short-lived, in memory);
- ``outgoing``: a private message (text, embeds, files, components), sent or edited;
- ``components``: the buttons and selects, dispatched by custom_id to registered actions;
- ``previews``: a preview and its Confirm / Cancel / Re-apply / Edit again;
- ``forms``: the modals (texts, phrasings, a quote, a new entry);
- ``entries``: /kb find, open, new, delete and the entry card;
- ``history``: /kb history and undo, restore, revert;
- ``teach``: /kb unanswered, missed questions into phrasings;
- ``transfer``: /kb export and import;
- ``logbook``: the admin log channel (audits, reload reports, the daily digest).
"""
