# MLP Explorer as a hosted demo: a slim Python, the app's requirements, a non-root user.
#
#   docker build -t mlp-explorer . && docker run --rm -p 8501:8501 mlp-explorer
#
# Runs as UID 1000, as a Hugging Face Space (Docker SDK) expects; the store of trained runs
# and the downloaded data sets live in writable folders under /data, which a volume can keep
# (`-v mlp-explorer-data:/data`). The port is $PORT (8501 unless set).
# BASE_IMAGE: another image with Python 3.11+ and `python`/`pip` on PATH, where Docker Hub
# cannot be reached (scripts/docker_smoke.sh builds one from Debian's packages).
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 user \
    && mkdir -p /data/store /data/keras /data/scikit_learn_data \
    && chown -R user:user /data

WORKDIR /app
# Requirements first, so a change of code alone reuses the installed layer.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=user:user . .

USER user
ENV HOME=/home/user \
    PORT=8501 \
    MLP_EXPLORER_HOSTED=1 \
    MLP_EXPLORER_CACHE=/data/store \
    KERAS_HOME=/data/keras \
    SCIKIT_LEARN_DATA=/data/scikit_learn_data \
    TF_CPP_MIN_LOG_LEVEL=2 \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=false \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_stcore/health' % os.environ.get('PORT', '8501'), timeout=4)"

# A shell, so $PORT is read when the container starts; exec, so Streamlit gets the signals.
CMD ["sh", "-c", "exec streamlit run app.py --server.port=\"${PORT}\" --server.address=0.0.0.0"]
