"""Drives Scalelite with an unmodified BBB client library (bigbluebutton-api-python, from PyPI), as a
front-end developer would. Prints one JSON object with what it saw; tests/client_library.rs checks it.

Usage: python3 bbb_client_check.py BASE_URL SECRET
"""
import json
import sys
import urllib.error
import urllib.request

from bigbluebutton_api_python import BigBlueButton
from bigbluebutton_api_python.exception import BBBException


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main():
    base_url, secret = sys.argv[1], sys.argv[2]
    bbb = BigBlueButton(base_url, secret)
    seen = {"version": bbb.get_api_version().get_version()}

    created = bbb.create_meeting("lib-1", params={"name": "Library meeting", "attendeePW": "ap", "moderatorPW": "mp"})
    seen["create"] = {"returncode": created.get_return_code(), "meetingID": created.get_meetingid()}
    bbb.create_meeting("lib-2", params={"name": "Second meeting"})

    join_url = bbb.get_join_meeting_url("Ada Lovelace", "lib-1", "mp")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(join_url)
        seen["join"] = {"status": 200}
    except urllib.error.HTTPError as redirect:
        seen["join"] = {"status": redirect.code, "location": redirect.headers.get("Location")}

    info = bbb.get_meeting_info("lib-1")
    seen["getMeetingInfo"] = {"returncode": info.get_return_code(), "meetingID": info.get_field("meetingID")}
    seen["isMeetingRunning"] = bbb.is_meeting_running("lib-1").is_meeting_running()
    seen["getMeetings"] = sorted(m.get_meetingid() for m in bbb.get_meetings().get_meetings())

    ended = bbb.end_meeting("lib-1", "mp")
    seen["end"] = ended.get_message_key()
    seen["isMeetingRunningAfterEnd"] = bbb.is_meeting_running("lib-1").is_meeting_running()
    try:
        bbb.get_meeting_info("lib-1")
        seen["getMeetingInfoAfterEnd"] = "SUCCESS"
    except BBBException as error:
        seen["getMeetingInfoAfterEnd"] = error.key

    wrong = BigBlueButton(base_url, "not-the-secret")
    try:
        wrong.get_meetings()
        seen["wrongSecret"] = "SUCCESS"
    except BBBException as error:
        seen["wrongSecret"] = error.key
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
