"""The Playground tab (issue 21): generated data with live sliders, points drawn by hand, engineered
inputs, and challenges."""
