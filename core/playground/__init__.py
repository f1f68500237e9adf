"""The Playground engine: 2-D data, input features, a config, a live trainer, code export.

Nothing here imports Streamlit; TensorFlow and Keras are imported inside the functions
that need them, so importing this package stays cheap.
"""
