"""The Rafiki Workbench window: a thin Qt face over the rafiki engine (run ``rafiki-gui``)."""
