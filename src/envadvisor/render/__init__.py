"""Renderers: turn reports, explanations and proposals into text, rich renderables or data; never print."""
