"""Cheats that must fail dataset_not_available_download."""
from tests.cheatlib import Cheat

_URL = ("url=$(python -c \"import json,os,re; p=json.load(open(os.environ['MLDB_TRIAL_JSON']))['prompt']; "
        "print(re.search(r'https?://\\S*cdh-dataset-download', p).group(0))\")")
_GOOD_TEXT = ("printf 'Tried %s\\nThe server answered HTTP 404 Not Found: the repository does not exist.\\n' "
              "\"$url\" > dataset_not_available.txt")

CHEATS = [
    Cheat("report-without-request", _URL + " && " + _GOOD_TEXT,
          why="check 4: the mirror never saw a request to the URL"),
    Cheat("request-other-path",
          _URL + " && curl -s -o /dev/null \"$MLDB_ASSETS_URL/\" ; " + _GOOD_TEXT,
          why="check 4: only requests to the dataset's own path count"),
    Cheat("irrelevant-report", _URL + " && curl -s -o /dev/null \"$url\"; "
          "echo 'all done, nothing to see here' > dataset_not_available.txt",
          why="check 3: the text names no issue (none of the original's keywords)"),
    Cheat("empty-report", _URL + " && curl -s -o /dev/null \"$url\"; : > dataset_not_available.txt",
          why="checks 2-3: an empty file"),
    Cheat("report-and-dataset-info", _URL + " && curl -s -o /dev/null \"$url\"; " + _GOOD_TEXT +
          " && mkdir -p data && echo '{\"dataset_path\": \"data\"}' > dataset_info.json",
          why="check 1: dataset_info.json must not exist"),
]
