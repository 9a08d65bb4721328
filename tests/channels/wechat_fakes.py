"""WeChat's side of the WeChat channel tests: its servers calling our URL, and its API.

``WeChatServer`` signs, encrypts and posts messages the way WeChat's servers do (wechatpy's
``WeChatSigner`` and ``WeChatCrypto``) and reads the passive replies back with wechatpy's parser.
``FakeWeChatAPI`` is a loopback HTTP server standing in for api.weixin.qq.com: it hands out access
tokens, records customer-service messages, and can declare a token expired (errcode 42001).
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

import aiohttp
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

WEBHOOK = "/webhooks/wechat/webhook"
ACCOUNT = "gh_icp_helper"  # the official account's original id (ToUserName)
TOKEN = "test-token-123"
APP_ID = "wx1234567890abcdef"
APP_SECRET = "test-app-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 chars, as the admin console gives


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def text_xml(openid: str, content: str, msg_id: int, create_time: Optional[int] = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, create_time: Optional[int] = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>"
        f"<EventKey><![CDATA[]]></EventKey></xml>"
    )


def media_xml(openid: str, msg_type: str, msg_id: int, extra: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{extra}<MsgId>{msg_id}</MsgId></xml>"
    )


@dataclass
class Reply:
    status: int
    body: str
    xml: Optional[str] = None  # the passive reply, decrypted in safe mode

    @property
    def content(self) -> Optional[str]:
        """The text of a passive reply; None for ``success`` or an error."""
        if self.xml is None:
            return None
        return parse_message(self.xml).content

    @property
    def message(self) -> Any:
        return parse_message(self.xml) if self.xml else None


class WeChatServer:
    """Calls the channel like WeChat does, in plaintext mode or, with ``safe=True``, safe mode."""

    def __init__(self, base_url: str, safe: bool = False, token: str = TOKEN,
                 aes_key: str = AES_KEY, app_id: str = APP_ID) -> None:
        self.url = base_url + WEBHOOK
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id) if safe else None

    def query(self, timestamp: Optional[int] = None, **extra: str) -> Dict[str, str]:
        ts = str(timestamp or int(time.time()))
        nonce = secrets.token_hex(5)
        return {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, **extra}

    def seal(self, xml: str) -> Tuple[Dict[str, str], str]:
        """Query and body of a POST carrying ``xml`` (encrypted in safe mode)."""
        params = self.query()
        if self.crypto is None:
            return params, xml
        sealed = parse_message_fields(self.crypto.encrypt_message(xml, params["nonce"], params["timestamp"]))
        body = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
        params.update(encrypt_type="aes", msg_signature=sealed["MsgSignature"])
        return params, body

    async def post(self, session: aiohttp.ClientSession, xml: str,
                   params: Optional[Dict[str, str]] = None, body: Optional[str] = None) -> Reply:
        if params is None:
            params, body = self.seal(xml)
        async with session.post(self.url, params=params, data=(body if body is not None else xml).encode("utf-8"),
                                headers={"Content-Type": "text/xml"}) as r:
            text = await r.text()
        return self.read(r.status, text, params)

    def read(self, status: int, text: str, params: Dict[str, str]) -> Reply:
        if status != 200 or text in ("success", ""):
            return Reply(status, text)
        if self.crypto is None:
            return Reply(status, text, text)
        fields = parse_message_fields(text)
        xml = self.crypto.decrypt_message(text, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        return Reply(status, text, xml)

    async def say(self, session: aiohttp.ClientSession, openid: str, content: str, msg_id: int) -> Reply:
        return await self.post(session, text_xml(openid, content, msg_id))


def parse_message_fields(xml: str) -> Dict[str, str]:
    import xmltodict

    return dict(xmltodict.parse(xml)["xml"])


@dataclass
class FakeWeChatAPI:
    """A loopback stand-in for api.weixin.qq.com/cgi-bin/."""

    expire_first_token: bool = False
    tokens_issued: List[str] = field(default_factory=list)
    sent: List[Dict[str, Any]] = field(default_factory=list)
    calls: List[Tuple[str, Dict[str, List[str]]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._expired: set = set()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, payload: Dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                with api._lock:
                    api.calls.append((url.path, query))
                if url.path.endswith("/token"):
                    ok = query.get("appid") == [APP_ID] and query.get("secret") == [APP_SECRET]
                    if not ok:
                        return self._json({"errcode": 40013, "errmsg": "invalid appid"})
                    with api._lock:
                        token = f"token-{len(api.tokens_issued) + 1}"
                        api.tokens_issued.append(token)
                        if api.expire_first_token and len(api.tokens_issued) == 1:
                            api._expired.add(token)
                    return self._json({"access_token": token, "expires_in": 7200})
                self._json({"errcode": 40004, "errmsg": "unknown"})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                token = (query.get("access_token") or [""])[0]
                with api._lock:
                    api.calls.append((url.path, query))
                    if token not in api.tokens_issued:
                        return self._json({"errcode": 40001, "errmsg": "invalid credential"})
                    if token in api._expired:
                        return self._json({"errcode": 42001, "errmsg": "access_token expired"})
                    if url.path.endswith("/message/custom/send"):
                        api.sent.append(body)
                        return self._json({"errcode": 0, "errmsg": "ok"})
                self._json({"errcode": 40004, "errmsg": "unknown"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def texts_to(self, openid: str) -> List[str]:
        with self._lock:
            return [m["text"]["content"] for m in self.sent if m.get("touser") == openid]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def image_xml(openid: str, msg_id: int) -> str:
    return media_xml(openid, "image", msg_id, "<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId>m</MediaId>")


def location_xml(openid: str, msg_id: int) -> str:
    return media_xml(
        openid, "location", msg_id,
        "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale><Label>x</Label>",
    )


def voice_xml(openid: str, msg_id: int, recognition: Optional[str] = None) -> str:
    said = f"<Recognition><![CDATA[{recognition}]]></Recognition>" if recognition else ""
    return media_xml(openid, "voice", msg_id, f"<MediaId>m</MediaId><Format>amr</Format>{said}")
