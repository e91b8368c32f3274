"""One local user at the office page and the API: what it can read and do, printed as JSON.

Run by AccessRuleTests as a Unix user outside every group, and as a member of the writers' group, so that
each door of the access table (docs) is tried as that user would: it reads the office token if it can,
signs in with it if it has it, and tries every read and action.
"""
import http.cookiejar, json, re, sys, urllib.error, urllib.parse, urllib.request

base, token_path, refusal_handle = sys.argv[1], sys.argv[2], sys.argv[3]
result = {}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPCookieProcessor(jar))


def call(method, path, form=None, headers=None):
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if method == "POST":
        request.add_header("Origin", base)  # as a browser sends it with a form
    if form is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


try:
    token = open(token_path).read().strip()
    result["readsToken"] = True
except OSError:
    token = None
    result["readsToken"] = False

if token:
    result["signIn"] = call("POST", "/login", {"token": token})[0]

status, page = call("GET", "/")
result["page"] = status
result["pageShowsCarrier"] = "Carrier Ltd" in page
result["pageShowsDefraMessage"] = "Defra says no" in page
found = re.search(r'name="csrf" value="([^"]*)"', page)
csrf = found.group(1) if found else ""
result["pageHasActionForms"] = bool(found)
result["details"] = call("GET", "/movements/1")[0]
result["v1Status"] = call("GET", "/v1/status")[0]
result["v1List"] = call("GET", "/v1/movements")[0]
bearer = {"Authorization": "Bearer " + token} if token else {}
result["v1Details"] = call("GET", "/v1/movements/1", headers=bearer)[0]
result["acknowledge"] = call("POST", "/office/acknowledge", {"id": refusal_handle, "csrf": csrf, "date": ""})[0]
result["retry"] = call("POST", "/office/retry", {"id": "1", "csrf": csrf, "date": ""})[0]
print(json.dumps(result))
