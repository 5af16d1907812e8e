"""The Rafiki Workbench window: a thin Qt face over the rafiki engine (run ``rafiki-gui``)."""

from .binding_fix import guard_none_refcount

NONE_REFCOUNT_GUARDED = guard_none_refcount()
