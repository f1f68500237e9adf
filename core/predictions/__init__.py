"""Using trained models: safe loading of uploaded models, image conversion, CSV checks, predictions."""
