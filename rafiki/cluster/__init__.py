"""Running trials on a Ray cluster (the optional ``ray`` extra).

Nothing here imports Ray at module level except :mod:`rafiki.cluster.ray_executor` and
:mod:`rafiki.cluster.connection`, which only the user's choice of a cluster imports: the rest of
the workbench never pays Ray's import time (about 1 s) or needs it installed.
"""
