"""Streamlit glue of the foundations pages (neuron, activations, gradient descent)."""
