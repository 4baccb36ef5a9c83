"""The translators' workbench: UI strings of every language, corrected in the browser.

Database overrides sit on top of the compiled catalogs (:mod:`app.i18n`), so a
correction shows on the live site at once; the workbench exports the catalog
with the overrides as a ``.po`` file to be committed.
"""
