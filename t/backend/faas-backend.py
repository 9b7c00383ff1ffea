#!/usr/bin/python3
"""A test stand-in for the regional FaaS tier (SPEC section 8).

One threaded HTTP/1.1 server (keep-alive, Content-Length on every
response) that speaks three protocols over the same set of actions:

  openwhisk  POST /api/v1/namespaces/{ns}/actions/[{pkg}/]{action}
                  ?blocking=true&result=true, Basic auth UUID:KEY
             ANY  /api/v1/web/{ns}/{pkg}/{action}[.http|.json]
                  (a web action, invoked as with the raw-http annotation)
  lambda     POST /2015-03-31/functions/{name}/invocations[?Qualifier=Q],
                  SigV4 verified with botocore
  http       POST /fn/{action}, optional "Authorization: Bearer TOKEN"

Started by tests (t/inc/FaasBackend.pm) as

  /usr/bin/python3 t/backend/faas-backend.py --listen 127.0.0.1:PORT
      [--ow-auth UUID:KEY] [--ow-blocking-wait MS] [--bearer TOKEN]
      [--aws-access-key AKID --aws-secret-key SECRET
       [--aws-session-token TOKEN] --aws-region REGION]

it prints "ready" on stdout once it listens and logs to stderr.  A
credential that is not given is not checked.

Actions (the name is the behaviour; params = the JSON body):
  echo      the params, plus "_protocol"
  error     a function error
  slow      sleeps params.ms (default 1000) then echoes
  running   openwhisk: 202 {"activationId"} after params.ms (default 0);
            others: sleeps params.ms (default 30000) then echoes
            (an OpenWhisk action that outlives --ow-blocking-wait, 60000 ms
            by default as in OpenWhisk, gets the same 202)
  throttle  429 with Retry-After: 1
  garbage   200 with a body that is not JSON
  huge      200 with a JSON result of exactly params.bytes bytes (4 MiB)
  flaky     503 the first params.fail times (default 2) per protocol and
            params.key, then echoes
  close     the status line, headers and part of the body, then a close
            (params.at = "headers": closes within the headers)
  counter   {"n": calls of counter since the last reset}
  web       an API-gateway proxy event (or OpenWhisk __ow_* params) in,
            {statusCode, headers, body, isBase64Encoded} out; the body is
            JSON describing what came in (method, path, query, x_test,
            body)

Control: GET /__stats -> {"<protocol>:<action>": requests, ...} (failed
ones too), POST /__reset zeroes the stats, flaky and counter.

Client mode, to sign with botocore (tests, and by hand with curl):
  faas-backend.py --sign --aws-access-key AK --aws-secret-key SK
      --aws-region R [--aws-session-token T] --url URL [--method POST]
      [--header 'Name: value' ...] [--data BODY] [--date YYYYMMDDTHHMMSSZ]
      [--send]
prints the headers to add (X-Amz-Date, X-Amz-Security-Token,
Authorization), one a line, and with --send sends the request and prints
the status line, headers and body instead.  --sign-json signs many
requests read from stdin (see sign_json_main).

What the answers follow (so that a client tested against this behaves
against the real services):
- OpenWhisk, the controller's invoke route (core/controller/.../Actions.scala
  in apache/openwhisk): 200 with the result when the activation succeeded;
  502 (BadGateway) with the result, i.e. {"error": ...}, for an
  application error, since with result=true "clients must check if
  'error' is in the JSON"; 202 with {"activationId"} when a blocking
  invoke outlives its wait ("non-blocking invoke or blocking invoke which
  got queued instead"); the x-openwhisk-activation-id header.  Error
  bodies are ErrorResponse {"error", "code": transaction id} with the
  texts of http/ErrorResponse.scala: "The requested resource does not
  exist.", "Too many requests in the last minute (count: N, allowed:
  M).", and akka-http's "The supplied authentication is invalid" / "The
  resource requires authentication, which was not supplied with the
  request" for a wrong / missing Basic auth.  docs/actions.md: the
  blocking wait is the lesser of 60 s and the action's time limit.
  OpenWhisk sends no Retry-After with its 429; this backend adds one so
  that a client may honour it.
- Lambda, botocore's service model (data/lambda/2015-03-31/service-2.json):
  X-Amz-Function-Error and X-Amz-Executed-Version response headers;
  ResourceNotFoundException 404 {"Type", "Message"};
  TooManyRequestsException 429 {"Type", "message", "Reason"} whose
  retryAfterSeconds is the Retry-After header; errors named by the
  x-amzn-ErrorType header.  A function error is 200 with
  X-Amz-Function-Error: Unhandled and {"errorMessage", "errorType",
  "stackTrace"}.  Only X-Amz-Invocation-Type RequestResponse is served.
  The SigV4 messages are AWS's own ("The request signature we calculated
  does not match ...", "Signature expired: ... is now earlier than ...");
  the clock skew allowed is 15 minutes either way.
"""

import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import http.client
import json
import re
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


SKEW = datetime.timedelta(minutes=15)
AMZ_DATE = '%Y%m%dT%H%M%SZ'
ACTIONS = ('echo', 'error', 'slow', 'running', 'throttle', 'garbage',
           'huge', 'flaky', 'close', 'counter', 'web')

OW_ACTION = re.compile(r'^/api/v1/namespaces/([^/]+)/actions/(?:[^/]+/)?'
                       r'([^/]+)$')
OW_WEB = re.compile(r'^/api/v1/web/([^/]+)/([^/]+)/([^/.]+)'
                    r'(?:\.(?:http|json))?(/.*)?$')
LAMBDA = re.compile(r'^/2015-03-31/functions/([^/]+)/invocations$')
HTTP_FN = re.compile(r'^/fn/([^/]+)$')
AUTHZ = re.compile(r'AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/'
                   r'([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?'
                   r'Signature=([0-9a-f]{64})')

SIG_BAD = ('The request signature we calculated does not match the '
           'signature you provided. Check your AWS Secret Access Key and '
           'signing method. Consult the service documentation for '
           'details.')


class State:
    """Counters shared by the server's threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.stats = {}
            self.flaky = {}
            self.counter = 0

    def count(self, protocol, action):
        with self.lock:
            key = f'{protocol}:{action}'
            self.stats[key] = self.stats.get(key, 0) + 1

    def flaky_fail(self, protocol, key, fail):
        with self.lock:
            n = self.flaky.get((protocol, key), 0)
            self.flaky[(protocol, key)] = n + 1
            return n < fail

    def next_counter(self):
        with self.lock:
            self.counter += 1
            return self.counter


STATE = State()


def botocore_sign(method, url, headers, body, creds, region, amz_date,
                  service='lambda'):
    """Signs as botocore's SigV4Auth.add_auth does, at amz_date instead of
    now: returns (authorization, canonical request, string to sign,
    the request's headers)."""
    req = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        req.headers[name] = value
    auth = SigV4Auth(creds, service, region)
    req.context['timestamp'] = amz_date
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    auth._inject_signature_to_request(req, auth.signature(sts, req))
    return req.headers['Authorization'], creq, sts, req.headers


def new_id():
    return uuid.uuid4().hex


def web_description(protocol, params):
    """What the web action answers: what it received, normalized."""
    if '__ow_method' in params:
        method = str(params.get('__ow_method', '')).upper()
        path = params.get('__ow_path', '')
        query = dict(urllib.parse.parse_qsl(params.get('__ow_query', ''),
                                            keep_blank_values=True))
        headers = params.get('__ow_headers') or {}
        body = params.get('__ow_body', '')
    else:
        method = params.get('httpMethod')
        path = params.get('path')
        query = params.get('queryStringParameters') or {}
        headers = params.get('headers') or {}
        body = params.get('body') or ''
        if params.get('isBase64Encoded') and body:
            try:
                body = base64.b64decode(body).decode('utf-8', 'replace')
            except (binascii.Error, ValueError):
                body = None
    x_test = None
    for name, value in headers.items():
        if name.lower() == 'x-test':
            x_test = value
    return {
        'statusCode': 200,
        'headers': {'content-type': 'application/json',
                    'x-backend': protocol},
        'body': json.dumps({'method': method, 'path': path, 'query': query,
                            'x_test': x_test, 'body': body}),
        'isBase64Encoded': False,
    }


def huge_result(size):
    """A JSON object of exactly size bytes (at least 11)."""
    head, tail = '{"data":"', '"}'
    pad = max(size - len(head) - len(tail), 0)
    return (head + 'x' * pad + tail).encode()


def run_action(protocol, name, params):
    """Runs an action: (kind, value) for the protocol to render.
    kind: ok (value: result), json (value: bytes of a JSON result),
    error, running, throttle, unavailable, garbage, close, notfound."""
    if name not in ACTIONS:
        return 'notfound', None
    if not isinstance(params, dict):
        params = {}

    def number(key, default):
        value = params.get(key, default)
        return value if isinstance(value, (int, float)) else default

    def echo():
        return 'ok', dict(params, _protocol=protocol)

    if name == 'echo':
        return echo()
    if name == 'error':
        return 'error', params.get('message', 'the error action failed')
    if name == 'slow':
        time.sleep(number('ms', 1000) / 1000)
        return echo()
    if name == 'running':
        if protocol == 'openwhisk':
            time.sleep(number('ms', 0) / 1000)
            return 'running', None
        time.sleep(number('ms', 30000) / 1000)
        return echo()
    if name == 'throttle':
        return 'throttle', None
    if name == 'garbage':
        return 'garbage', None
    if name == 'huge':
        return 'json', huge_result(int(number('bytes', 4 * 1024 * 1024)))
    if name == 'flaky':
        if STATE.flaky_fail(protocol, json.dumps(params.get('key')),
                            number('fail', 2)):
            return 'unavailable', None
        return echo()
    if name == 'close':
        return 'close', params.get('at', 'body')
    if name == 'counter':
        return 'ok', {'n': STATE.next_counter()}
    return 'ok', web_description(protocol, params)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'faas-backend/1'

    # set by main()
    config = None

    # headers and body leave in separate writes: without this, Nagle's
    # algorithm and the client's delayed ACK add 40 ms to every answer
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        sys.stderr.write('faas-backend: %s %s\n' % (self.address_string(),
                                                    fmt % args))

    # request plumbing

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            body = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get('Content-Length') or 0))

    def reply(self, status, body, headers=(), ctype='application/json'):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def close_midway(self, at):
        if at == 'headers':
            raw = b'HTTP/1.1 200 OK\r\nContent-Type: appl'
        else:
            raw = (b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
                   b'Content-Length: 1000\r\n\r\n{"partial": tr')
        self.wfile.write(raw)
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        self.query = dict(urllib.parse.parse_qsl(url.query,
                                                 keep_blank_values=True))
        self.body = self.read_body()

        if path == '/__stats' and self.command == 'GET':
            with STATE.lock:
                return self.reply(200, dict(STATE.stats))
        if path == '/__reset' and self.command == 'POST':
            STATE.reset()
            return self.reply(200, {'reset': True})

        m = OW_WEB.match(path)
        if m:
            return self.openwhisk_web(m.group(3), m.group(4) or '', url)

        if self.command == 'POST':
            m = OW_ACTION.match(path)
            if m:
                return self.openwhisk(urllib.parse.unquote(m.group(2)))
            m = LAMBDA.match(path)
            if m:
                return self.aws_lambda(urllib.parse.unquote(m.group(1)),
                                       url)
            m = HTTP_FN.match(path)
            if m:
                return self.http_fn(urllib.parse.unquote(m.group(1)))

        self.reply(404, {'error': f'no route for {self.command} {path}'})

    def guarded(self):
        """A fault of the backend itself is a logged 500, never a reset
        connection that a test would take for the close action."""
        try:
            self.dispatch()
        except Exception:
            traceback.print_exc()
            self.reply(500, {'error': 'faas-backend failed: '
                             + traceback.format_exc(limit=1)})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = guarded

    def params(self):
        """The JSON body, or None when it is not JSON."""
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    # openwhisk

    def ow_error(self, status, message, headers=()):
        self.reply(status, {'error': message, 'code': new_id()}, headers)

    def ow_auth(self):
        """True when the Basic credentials are the configured ones."""
        want = self.config.ow_auth
        if want is None:
            return True
        got = self.headers.get('Authorization', '')
        if not got.startswith('Basic '):
            self.ow_error(401, 'The resource requires authentication, '
                          'which was not supplied with the request')
            return False
        try:
            ok = base64.b64decode(got[6:], validate=True).decode() == want
        except (binascii.Error, UnicodeDecodeError):
            ok = False
        if not ok:
            self.ow_error(401, 'The supplied authentication is invalid')
        return ok

    def openwhisk(self, action):
        STATE.count('openwhisk', action)
        if not self.ow_auth():
            return
        params = self.params()
        if not isinstance(params, dict):
            return self.ow_error(400, 'The request content was malformed:\n'
                                 'expected JSON object')
        blocking = self.query.get('blocking') == 'true'
        result = self.query.get('result') == 'true'
        if action not in ACTIONS:
            return self.ow_error(404, 'The requested resource does not '
                                 'exist.')
        activation = new_id()
        hdr = [('x-openwhisk-activation-id', activation)]
        if not blocking:
            return self.reply(202, {'activationId': activation}, hdr)

        # an activation that outlives the blocking wait goes on, and the
        # caller gets its id
        done = {}
        run = threading.Thread(target=lambda: done.update(
            r=run_action('openwhisk', action, params)), daemon=True)
        run.start()
        run.join(self.config.ow_blocking_wait / 1000)
        kind, value = done.get('r', ('running', None))
        if kind == 'close':
            return self.close_midway(value)
        if kind == 'garbage':
            return self.reply(200, b'<html>not JSON</html>', hdr)
        if kind == 'running':
            return self.reply(202, {'activationId': activation}, hdr)
        if kind == 'throttle':
            return self.ow_error(429, 'Too many requests in the last minute '
                                 '(count: 61, allowed: 60).',
                                 [('Retry-After', '1')])
        if kind == 'unavailable':
            return self.ow_error(503, 'System is overloaded, try again '
                                 'later.')
        if kind == 'json':
            return self.reply(200, value, hdr)
        if kind == 'error':
            value = {'error': value}

        failed = isinstance(value, dict) and 'error' in value
        if failed:
            value = {'error': value['error']}
        if not result:
            value = {'activationId': activation, 'name': action,
                     'response': {'result': value,
                                  'status': ('application error' if failed
                                             else 'success'),
                                  'success': not failed}}
        self.reply(502 if failed else 200, value, hdr)

    def openwhisk_web(self, action, rest, url):
        """A web action: the HTTP request becomes __ow_* params, the
        result {statusCode, headers, body} becomes the response."""
        STATE.count('openwhisk', action)
        if action not in ACTIONS:
            return self.ow_error(404, 'The requested resource does not '
                                 'exist.')
        try:
            body = self.body.decode('utf-8')
        except UnicodeDecodeError:
            body = base64.b64encode(self.body).decode()
        params = {'__ow_method': self.command.lower(),
                  '__ow_headers': {k.lower(): v
                                   for k, v in self.headers.items()},
                  '__ow_path': rest, '__ow_query': url.query,
                  '__ow_body': body}
        kind, value = run_action('openwhisk', action, params)
        if kind != 'ok':
            return self.ow_error(502, f'the action answered {kind}')
        headers = list((value.get('headers') or {}).items())
        headers = [(k, v) for k, v in headers if k.lower() != 'content-type']
        ctype = (value.get('headers') or {}).get('content-type',
                                                 'application/json')
        body = value.get('body', '')
        if not isinstance(body, str):
            body = json.dumps(body)
        self.reply(int(value.get('statusCode', 200)), body.encode(),
                   headers, ctype)

    # lambda

    def aws_error(self, status, etype, body, headers=()):
        self.reply(status, body, [('x-amzn-RequestId', str(uuid.uuid4())),
                                  ('x-amzn-ErrorType', etype)] + list(headers))

    def sig_error(self, etype, message, status=403):
        self.aws_error(status, etype, {'message': message})
        return False

    def aws_verify(self):
        """SigV4, recomputed by botocore from the request as received."""
        c = self.config
        if c.aws_access_key is None:
            return True
        authz = self.headers.get('Authorization')
        if authz is None:
            return self.sig_error('MissingAuthenticationTokenException',
                                  'Missing Authentication Token')
        m = AUTHZ.fullmatch(authz)
        if m is None:
            return self.sig_error('IncompleteSignatureException',
                                  f"Authorization header requires "
                                  f"'Credential', 'SignedHeaders' and "
                                  f"'Signature' parameters. Authorization="
                                  f"{authz}", 400)
        akid, day, region, service, signed, signature = m.groups()
        if akid != c.aws_access_key:
            return self.sig_error('UnrecognizedClientException',
                                  'The security token included in the '
                                  'request is invalid.')
        if region != c.aws_region or service != 'lambda':
            return self.sig_error('InvalidSignatureException',
                                  f'Credential should be scoped to a valid '
                                  f'region and service: {region}/{service}')
        amz_date = self.headers.get('X-Amz-Date', '')
        try:
            when = datetime.datetime.strptime(amz_date, AMZ_DATE)
        except ValueError:
            return self.sig_error('IncompleteSignatureException',
                                  'Authorization header requires existence '
                                  'of either a \'X-Amz-Date\' or a \'Date\' '
                                  'header.', 400)
        now = datetime.datetime.utcnow()
        if when < now - SKEW:
            return self.sig_error('InvalidSignatureException',
                                  f'Signature expired: {amz_date} is now '
                                  f'earlier than '
                                  f'{(now - SKEW).strftime(AMZ_DATE)} '
                                  f'({now.strftime(AMZ_DATE)} - 15 min.)')
        if when > now + SKEW:
            return self.sig_error('InvalidSignatureException',
                                  f'Signature not yet current: {amz_date} '
                                  f'is still later than '
                                  f'{(now + SKEW).strftime(AMZ_DATE)} '
                                  f'({now.strftime(AMZ_DATE)} + 15 min.)')
        if day != amz_date[:8]:
            return self.sig_error('InvalidSignatureException',
                                  'Date in Credential scope does not match '
                                  'YYYYMMDD from ISO-8601 version of date '
                                  'from HTTP')
        token = self.headers.get('X-Amz-Security-Token')
        if token != c.aws_session_token:
            return self.sig_error('UnrecognizedClientException',
                                  'The security token included in the '
                                  'request is invalid.')
        sha = self.headers.get('X-Amz-Content-Sha256')
        if sha is not None and sha != hashlib.sha256(self.body).hexdigest():
            return self.sig_error('InvalidSignatureException',
                                  'The provided x-amz-content-sha256 header '
                                  'does not match what was computed.', 400)
        names = signed.split(';')
        if 'host' not in names:
            return self.sig_error('InvalidSignatureException',
                                  "'Host' must be a 'SignedHeader' in the "
                                  "AWS Authorization.")

        # only the headers the client signed, each value as received
        # (repeated headers stay repeated); botocore adds X-Amz-Date and
        # the token itself
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() in names
                   and k.lower() not in ('x-amz-date',
                                         'x-amz-security-token')]
        creds = Credentials(c.aws_access_key, c.aws_secret_key,
                            c.aws_session_token)
        want, creq, sts, _ = botocore_sign(
            self.command, 'https://' + self.headers.get('Host', '')
            + self.path, headers, self.body, creds, c.aws_region, amz_date)
        w = AUTHZ.fullmatch(want)
        if w.group(5) == signed and hmac.compare_digest(w.group(6),
                                                        signature):
            return True
        sys.stderr.write('faas-backend: signature mismatch; botocore\'s '
                         'canonical request:\n%s\nstring to sign:\n%s\n'
                         'want: %s\ngot:  %s\n' % (creq, sts, want, authz))
        return self.sig_error('InvalidSignatureException',
                              SIG_BAD + '\n\nThe Canonical String for this '
                              'request should have been\n\'' + creq
                              + '\'\n\nThe String-to-Sign should have '
                              'been\n\'' + sts + '\'\n')

    def aws_lambda(self, name, url):
        # arn:aws:lambda:region:account:function:name[:qualifier],
        # name[:qualifier]
        qualifier = self.query.get('Qualifier')
        if name.startswith('arn:'):
            name = ':'.join(name.split(':')[6:])
        if ':' in name:
            name, qualifier = name.split(':', 1)
        STATE.count('lambda', name)
        if not self.aws_verify():
            return
        itype = self.headers.get('X-Amz-Invocation-Type', 'RequestResponse')
        if itype != 'RequestResponse':
            return self.aws_error(400, 'InvalidParameterValueException',
                                  {'Type': 'User',
                                   'message': f'the test backend serves '
                                   f'RequestResponse only, not {itype}'})
        params = self.params()
        if params is None:
            return self.aws_error(400, 'InvalidRequestContentException',
                                  {'Type': 'User',
                                   'message': 'Could not parse request body '
                                   'into json'})
        if name not in ACTIONS:
            return self.aws_error(404, 'ResourceNotFoundException',
                                  {'Type': 'User',
                                   'Message': f'Function not found: arn:aws:'
                                   f'lambda:{self.config.aws_region}:'
                                   f'123456789012:function:{name}'})
        kind, value = run_action('lambda', name, params)
        version = qualifier if (qualifier or '').isdigit() else '$LATEST'
        ok = [('x-amzn-RequestId', str(uuid.uuid4())),
              ('X-Amz-Executed-Version', version)]
        if kind == 'close':
            return self.close_midway(value)
        if kind == 'garbage':
            return self.reply(200, b'<html>not JSON</html>', ok)
        if kind == 'throttle':
            return self.aws_error(429, 'TooManyRequestsException',
                                  {'Reason': 'ReservedFunctionConcurrent'
                                   'InvocationLimitExceeded',
                                   'Type': 'User',
                                   'message': 'Rate Exceeded.'},
                                  [('Retry-After', '1')])
        if kind == 'unavailable':
            return self.aws_error(503, 'ServiceException',
                                  {'Type': 'Service',
                                   'Message': 'The flaky action fails '
                                   'this time.'})
        if kind == 'error':
            return self.reply(200, {'errorMessage': value,
                                    'errorType': 'Error',
                                    'stackTrace': []},
                              ok + [('X-Amz-Function-Error', 'Unhandled')])
        self.reply(200, value, ok)

    # http

    def http_fn(self, action):
        STATE.count('http', action)
        want = self.config.bearer
        if want is not None:
            got = self.headers.get('Authorization', '')
            if not hmac.compare_digest(got.encode(),
                                       f'Bearer {want}'.encode()):
                return self.reply(401, {'error': 'unauthorized'},
                                  [('WWW-Authenticate', 'Bearer')])
        params = self.params()
        if params is None:
            return self.reply(400, {'error': 'the body is not JSON'})
        kind, value = run_action('http', action, params)
        if kind == 'notfound':
            return self.reply(404, {'error': f'no function {action}'})
        if kind == 'close':
            return self.close_midway(value)
        if kind == 'garbage':
            return self.reply(200, b'<html>not JSON</html>')
        if kind == 'throttle':
            return self.reply(429, {'error': 'too many requests'},
                              [('Retry-After', '1')])
        if kind == 'unavailable':
            return self.reply(503, {'error': 'the flaky action fails this '
                                    'time'})
        if kind == 'error':
            return self.reply(500, {'error': value})
        self.reply(200, value)


def sign_main(a):
    """--sign: signs with botocore, prints or sends."""
    if a.url is None or None in (a.aws_access_key, a.aws_secret_key,
                                 a.aws_region):
        sys.exit('--sign needs --url and the --aws-* credentials and region')
    body = (a.data or '').encode()
    headers = [tuple(x.strip() for x in h.split(':', 1)) for h in a.header]
    creds = Credentials(a.aws_access_key, a.aws_secret_key,
                        a.aws_session_token)
    date = a.date or datetime.datetime.utcnow().strftime(AMZ_DATE)
    authz, creq, sts, signed = botocore_sign(a.method, a.url, headers, body,
                                             creds, a.aws_region, date)
    sys.stderr.write(f'canonical request:\n{creq}\nstring to sign:\n{sts}\n')
    if not a.send:
        for name in ('X-Amz-Date', 'X-Amz-Security-Token', 'Authorization'):
            if name in signed:
                print(f'{name}: {signed[name]}')
        return
    u = urllib.parse.urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)
    conn.putrequest(a.method, u.path + ('?' + u.query if u.query else ''),
                    skip_host=True, skip_accept_encoding=True)
    for name, value in signed.items():
        conn.putheader(name, value)
    if 'Host' not in signed:
        conn.putheader('Host', u.netloc)
    conn.putheader('Content-Length', str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    print(resp.status, resp.reason)
    for name, value in resp.getheaders():
        print(f'{name}: {value}')
    print()
    print(resp.read().decode('utf-8', 'replace'))


def sign_json_main():
    """--sign-json: one request a line on stdin, {method, host, path,
    query, headers: [[name, value]...], body, access_key, secret_key,
    token, region, service, date}; prints botocore's Authorization for
    each, one a line (tests/test_sigv4.c compares ours with them)."""
    for line in sys.stdin:
        r = json.loads(line)
        url = 'https://' + r['host'] + r['path']
        if r['query']:
            url += '?' + r['query']
        creds = Credentials(r['access_key'], r['secret_key'],
                            r['token'] or None)
        authz = botocore_sign(r['method'], url, r['headers'],
                              r['body'].encode(), creds, r['region'],
                              r['date'], r['service'])[0]
        print(authz, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--listen', help='ADDR:PORT')
    p.add_argument('--ow-auth', help='UUID:KEY')
    p.add_argument('--ow-blocking-wait', type=int, default=60000,
                   help='ms a blocking invoke waits before its 202')
    p.add_argument('--aws-access-key')
    p.add_argument('--aws-secret-key')
    p.add_argument('--aws-session-token')
    p.add_argument('--aws-region')
    p.add_argument('--bearer')
    p.add_argument('--sign', action='store_true')
    p.add_argument('--sign-json', action='store_true')
    p.add_argument('--send', action='store_true')
    p.add_argument('--url')
    p.add_argument('--method', default='POST')
    p.add_argument('--header', action='append', default=[])
    p.add_argument('--data')
    p.add_argument('--date')
    a = p.parse_args()

    if a.sign:
        return sign_main(a)
    if a.sign_json:
        return sign_json_main()

    if a.listen is None:
        sys.exit('--listen ADDR:PORT is required')
    if a.aws_access_key and not (a.aws_secret_key and a.aws_region):
        sys.exit('--aws-access-key needs --aws-secret-key and --aws-region')

    host, port = a.listen.rsplit(':', 1)
    Handler.config = a
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    print('ready', flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
