"""Progress-site generator: project YAML files in, a static progress website out.

The pipeline, one module per stage:
load (``loader``) → validate (``validate``) → compute status (``status``)
→ build page contexts (``context``) → render (``render``) → write (``write``),
driven top to bottom by ``pipeline``; ``cli`` is a thin shell around it.
"""
