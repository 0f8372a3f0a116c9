# The dashboard as one container: N Streamlit replicas behind HAProxy, as `make serve` runs them.
#   docker build -t la-mh-capacity .
#   docker run -p 8501:8501 -e REPLICAS=2 la-mh-capacity
# The image holds the repository (the committed snapshot and map files included); nothing is
# written at run time, so the container's filesystem may be read-only (deploy/run/ aside: mount
# a tmpfs there, or pass --run-dir).
FROM python:3.11-slim-bookworm

RUN apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY .streamlit .streamlit
COPY dashboard dashboard
COPY pages pages
COPY data/snapshot data/snapshot
COPY deploy deploy

ENV PYTHONUNBUFFERED=1 REPLICAS=2
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
CMD ["sh", "-c", "exec python deploy/serve.py --replicas \"$REPLICAS\" --port 8501 --address 0.0.0.0 --run-dir /tmp/lamh-run"]
