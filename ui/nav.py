"""The catalogue of pages: one entry per page, grouped in sections.

`app.py` builds the navigation from it and the home page links to each entry. A page
whose file does not exist yet is left out of both, so the app only shows what is built.
"""

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageEntry:
    path: str  # relative to the project root
    title: str
    icon: str
    section: str
    blurb: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).is_file()


HOME = PageEntry("pages/home.py", "Home", ":material/home:", "", "What MLP Explorer is and where to start.")

PAGES = (
    PageEntry(
        "pages/neuron.py",
        "Neuron & logic gates",
        ":material/memory:",
        "Foundations",
        "McCulloch-Pitts neurons, the perceptron and its learning rule, and why XOR needs a hidden layer.",
    ),
    PageEntry(
        "pages/activations.py",
        "Activations & gradient descent",
        ":material/show_chart:",
        "Foundations",
        "Activation functions and their derivatives; gradient descent and SGD on a loss surface you can see.",
    ),
    PageEntry(
        "pages/classification.py",
        "Classification MLP",
        ":material/checkroom:",
        "Multilayer perceptrons",
        "Build an MLP for Fashion-MNIST or MNIST, train it with live learning curves, "
        "and inspect its confusion matrix and predictions.",
    ),
    PageEntry(
        "pages/regression.py",
        "Regression MLP",
        ":material/home_work:",
        "Multilayer perceptrons",
        "Predict California house values and compare with a scikit-learn baseline.",
    ),
    PageEntry(
        "pages/wide_and_deep.py",
        "Wide & deep",
        ":material/account_tree:",
        "Multilayer perceptrons",
        "Several inputs, auxiliary outputs and loss weights with the Functional API.",
    ),
    PageEntry(
        "pages/predictions.py",
        "Predictions & models",
        ":material/batch_prediction:",
        "Use your models",
        "Use a trained model on new inputs, download it, or bring your own.",
    ),
    PageEntry(
        "pages/experiments.py",
        "Experiments",
        ":material/science:",
        "Use your models",
        "Compare runs, search hyperparameters with KerasTuner, find a learning rate.",
    ),
    PageEntry(
        "pages/playground.py",
        "Playground",
        ":material/toys:",
        "Explore",
        "TensorFlow Playground with real Keras models: 2-D data, live decision surfaces.",
    ),
)


# The pages that train runs (the others use them).
TRAINING_PAGES = ("pages/classification.py", "pages/regression.py", "pages/wide_and_deep.py")


def built_pages() -> tuple[PageEntry, ...]:
    """The pages whose files exist, in catalogue order."""
    return tuple(page for page in PAGES if page.exists)
