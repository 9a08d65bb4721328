"""Decision functions behind the guided dialogs (see docs/ARCHITECTURE.md, "Decision functions").

Each function takes the dialog's slots as optional keyword arguments (None = not known yet) and
returns either ``Ask(slot)``, the next input the path needs, or ``Advice``. Only inputs the path
actually needs are asked for: e.g. a server outside mainland China ends the filing dialog at once.
``domain_suffix`` is never asked for; when the entity extractor has found it, it refines the advice.

Values are validated against :data:`INPUTS`: an unknown value raises ``ValueError`` (it is a bug in
the caller, e.g. a slot whose values drifted from this table; the Rasa forms should validate user
answers with ``INPUTS`` before filling slots). An empty string counts as not known, and ``True`` /
``False`` are accepted for yes/no inputs because YAML turns an unquoted ``yes`` into a boolean.

Advice texts are our own words; every fact in them comes from the seeds listed in ``sources``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Tuple, Union

from knowledge.model import Bilingual, Bureau, FormLink, Knowledge
from knowledge.provinces import bureau_links

S000 = "000_5eec36d1171024e1"  # JD Cloud (EN): offline deregistration, bureau hosts
S001 = "001_1d8438718bd87752"  # JD Cloud (ZH): offline deregistration, per-province forms
S002 = "002_2977cad4243cd2f8"  # Alibaba Cloud (ZH): deregistering another entity's filing
S003 = "003_fd6b92674a718eb9"  # Tencent Cloud (EN): ICP number FAQ
S004 = "004_e1c45e547fecafdd"  # Tencent Cloud (EN): full ICP filing FAQ

INPUTS: Mapping[str, Tuple[str, ...]] = {
    "server_location": ("mainland", "hong_kong", "overseas"),
    "service_type": ("website", "email", "none"),
    "domain_filing": ("none", "this_provider", "other_provider", "deregistered"),
    "application_stage": ("not_applied", "in_review", "preliminarily_approved", "approved_today", "approved_earlier"),
    "server_reachable": ("yes", "no"),
    "dereg_owner": ("own", "other_entity"),
    "dereg_scope": ("entity", "website"),
    "dereg_online": ("yes", "no"),
    "province": (),  # free: a bureau id from knowledge/data/bureaus.yml
    "provider_change": ("switch", "add"),
    "new_websites": ("yes", "no"),
    "domain_suffix": (),  # free: e.g. ".com", ".org"
}
FREE_INPUTS: Tuple[str, ...] = ("province", "domain_suffix")

# Seed 002 gives these as examples of suffixes MIIT has not approved ("如.org .cc .tv .name等"),
# which cannot be filed again once deregistered; it gives no full list, only MIIT's (http://域名.信息).
UNAPPROVED_SUFFIX_EXAMPLES: Tuple[str, ...] = (".org", ".cc", ".tv", ".name")
# Seed 004: the suffixes Beijing files ("Domain name suffixes that can apply for ICP filing in
# Beijing"), the Chinese ones with the examples it gives for ".其他" …
BEIJING_FILEABLE: Tuple[str, ...] = (
    ".com", ".cn", ".cc", ".gov", ".net",
    ".商城", ".网址", ".中信", ".中国", ".网络", ".公司", ".我爱你",
    ".citic", ".mobi", ".ren", ".tel", ".top", ".tv", ".wang", ".xin",
)
# … and the country/region-specific ones it says Beijing won't file.
BEIJING_UNFILEABLE: Tuple[str, ...] = (".hk", ".tw", ".asia", ".jp", ".co", ".so", ".me", ".info", ".org")
# Named unapproved by seed 002 but fileable in Beijing by seed 004: the seeds disagree.
BEIJING_FILEABLE_DISPUTED: Tuple[str, ...] = tuple(s for s in UNAPPROVED_SUFFIX_EXAMPLES if s in BEIJING_FILEABLE)
_RESOLUTION_VERIFY_SUFFIXES: Tuple[str, ...] = (".com", ".net")
_SUFFIX = re.compile(r"^(?:\.[^\s./]+)+$")


@dataclass(frozen=True)
class Ask:
    """Ask the user for ``slot`` next."""

    slot: str


@dataclass(frozen=True)
class Advice:
    """What to tell the user. ``branches`` names the decision branches the advice went through,
    ``code`` first, then refinements such as the suffix check (``suffix_*``); each has its seed
    quotes in ``knowledge/data/citations.yml`` (``Knowledge.cites(branch)``)."""

    code: str
    text: Bilingual
    next_steps: Tuple[Bilingual, ...] = ()
    sources: Tuple[str, ...] = ()
    links: Tuple[FormLink, ...] = ()
    branches: Tuple[str, ...] = ()


Outcome = Union[Ask, Advice]

# Links that are not tied to one bureau, copied exactly from the seeds.
MIIT_PUBLIC_QUERY = FormLink(
    "https://www.beian.miit.gov.cn",
    (S000,),
    Bilingual("MIIT ICP filing management system: Public Query", "工信部备案管理系统：公共查询"),
)
PASSWORD_RECOVERY_EN = FormLink(
    "https://docs.jdcloud.com/en/icp-license-service/icp-filing-password-recovery-method",
    (S000,),
    Bilingual("How to recover the MIIT filing password (JD Cloud, English)", "如何找回工信部备案密码（京东云，英文）"),
)
PASSWORD_RECOVERY_ZH = FormLink(
    "https://www.jcloud.com/help/detail/2061/isCatalog/1",
    (S001,),
    Bilingual("How to recover the MIIT filing password (JD Cloud, Chinese)", "如何找回工信部备案密码（京东云，中文）"),
)
APPROVED_SUFFIXES = FormLink(
    "http://域名.信息",
    (S002,),
    Bilingual("MIIT's list of approved domain suffixes", "工信部已批复的域名后缀"),
)


# --------------------------------------------------------------------------- input handling


def check_input(slot: str, value: object) -> Optional[str]:
    """The canonical form of ``value`` for ``slot``, None when not known; ValueError when invalid."""
    if slot not in INPUTS:
        raise ValueError(f"unknown input '{slot}' (known: {', '.join(INPUTS)})")
    if value is None:
        return None
    if isinstance(value, bool) and INPUTS[slot] == ("yes", "no"):
        return "yes" if value else "no"
    if not isinstance(value, str):
        raise ValueError(f"{slot}: expected text, got {value!r}")
    text = value.strip().lower()
    if not text:
        return None
    if slot == "domain_suffix":
        suffix = text if text.startswith(".") else f".{text}"
        if not _SUFFIX.match(suffix):
            raise ValueError(f"domain_suffix: '{value}' is not a domain suffix like .com or .com.cn")
        return suffix
    if slot in FREE_INPUTS:
        return text
    if text not in INPUTS[slot]:
        raise ValueError(f"{slot}: '{value}' is not one of {', '.join(INPUTS[slot])}")
    return text


def _bureau(kb: Knowledge, province: Optional[str]) -> Optional[Bureau]:
    if province is None:
        return None
    bureau = kb.bureau(province)
    if bureau is None:
        raise ValueError(f"province: '{province}' is not a bureau id in bureaus.yml")
    return bureau


def _merge(*groups: Tuple[str, ...]) -> Tuple[str, ...]:
    """Sources in seed order without repeats."""
    return tuple(sorted({stem for group in groups for stem in group}))


def _advice(
    code: str,
    text: Bilingual,
    steps: Tuple[Bilingual, ...] = (),
    sources: Tuple[str, ...] = (),
    links: Tuple[FormLink, ...] = (),
    refinements: Tuple[str, ...] = (),
) -> Advice:
    return Advice(code, text, steps, _merge(sources, *(link.sources for link in links)), links, (code,) + refinements)


# --------------------------------------------------------------------------- shared wording

_STEP_MAINLAND_LATER = Bilingual(
    "If you later point the domain to a server in mainland China, it must be filed first.",
    "如果以后把域名解析到中国内地的服务器，需要先完成备案。",
)
_STEP_IDENTITY = Bilingual(
    "The domain itself needs no filing, but its owner's identity must be verified (domain identity verification).",
    "域名本身不需要备案，但域名持有者必须完成实名认证。",
)
# Seed 004 gives the email rule with no condition on where the server is; the decision asks for
# the server's location first, so the advice says both what the seed says and what it adds.
_STEP_EMAIL_ANY_SERVER = Bilingual(
    "Email is different: Tencent Cloud's FAQ says a domain used for email (a mailbox at mail.<domain>) must be filed, and sets no condition on where the server is. The 'no filing' above is its rule for a domain pointing to a server outside mainland China.",
    "邮箱不同：腾讯云常见问题说明，用于邮箱服务（通过 mail.域名 访问单位邮箱）的域名必须备案，并未对服务器所在地设条件。上面的“无需备案”是它针对解析到中国内地以外服务器的域名的规定。",
)
_STEP_CONSTRUCTION = Bilingual(
    "Site still under construction? Filing is only required once it can be accessed, but apply early so it can go live as soon as it is finished.",
    "网站还在建设中？只有在可以访问时才需要备案，但建议提前申请，建成后即可上线。",
)
_STEP_IDENTITY_BEFORE_APPROVAL = Bilingual(
    "You can apply before the domain's identity verification is done, but only a verified domain can be approved.",
    "域名未完成实名认证也可以提交备案，但只有通过实名认证的域名才能获批。",
)
_STEP_SECOND_LEVEL_AFTER = Bilingual(
    "Second-level domains (www., blog. …) can be used once the top-level domain's filing is approved.",
    "二级域名（如 www.、blog.）在主域名备案通过后即可使用。",
)
_STEP_FOREIGN_REGISTRAR = Bilingual(
    "Domain registered with a registrar outside mainland China? It can't be filed as it is: first transfer the domain to a competent service provider in mainland China.",
    "域名是在中国内地以外的注册商注册的？这样无法直接备案：请先把域名转入中国内地有资质的服务商。",
)
_STEP_NEW_DOMAIN = Bilingual(
    "A different new domain needs a filing of its own (apply for it as a new website).",
    "其他新域名需要单独备案（作为新增网站申请）。",
)
_STEP_IP_SAME_PROVIDER = Bilingual(
    "Moving to another IP of the same provider? No transfer or new filing is needed. If your website needs an operational ICP licence, apply for an ICP filing information change with the new IP, so the licence's IP matches the one registered with MIIT; otherwise you can submit the new IP with your next information change.",
    "在同一接入商内更换 IP？无需接入备案，也无需重新备案。如果网站需要经营性 ICP 许可证，请申请变更备案并填写新 IP，使许可证中的 IP 与工信部登记的一致；否则可在下次变更其他备案信息时一并提交新 IP。",
)
_STEP_KEEP_OLD = Bilingual(
    "If you keep using the old provider's servers too, the original filing doesn't need to be deregistered or changed.",
    "如果同时继续使用原接入商的服务器，原备案无需注销或变更。",
)
_STEP_NO_CHANGE_DURING_TRANSFER = Bilingual(
    "Filing information can't be changed during a transfer: change it at the original provider first, or after the transfer succeeds.",
    "接入备案期间不能修改备案信息：请先在原接入商处变更，或在接入成功后再变更。",
)
_STEP_45_DAYS = Bilingual(
    "Tencent Cloud keeps the filing information for 45 days after it preliminarily approves a transfer, then cleans it up: finish the remaining steps within 45 days.",
    "腾讯云初审通过接入备案后，备案信息保留45天，之后会被清理：请在45天内完成后续流程。",
)
_STEP_WAIT_HALF_HOUR = Bilingual(
    "When the approval arrives, allow about half an hour for it to sync to your provider before retrying.",
    "收到审核通过通知后，请等待约半小时，待信息同步到接入商后再访问。",
)
_STEP_ASK_BUREAU_REASON = Bilingual(
    "For the specific reason, contact your local Communications Administration Bureau.",
    "具体注销原因请咨询当地通信管理局。",
)
_STEP_TENCENT_SUPPORT = Bilingual(
    "Still failing? Tencent Cloud customer service: 4009-100-100, or submit a ticket.",
    "仍无法解决？腾讯云客服电话：4009-100-100，或提交工单。",
)
_STEP_ACCESS_CANCELLED = Bilingual(
    "Has your provider cancelled the site's access (Tencent Cloud does so when an inspection notice isn't rectified in time)? Then domains pointing to its servers can no longer be accessed, although the filing still exists in MIIT: apply again for a new filing or a transfer.",
    "接入商是否已取消网站接入（例如腾讯云在核查通知未按期整改时会取消接入）？此时指向其服务器的域名无法再访问，但工信部的备案仍然存在：请重新申请新增备案或接入备案。",
)
_STEP_CANCEL_BEFORE_SUBMIT = Bilingual(
    "You can cancel the deregistration application only until it has been submitted to the bureau.",
    "注销申请提交到管局之前可以撤销，提交之后就不能撤销了。",
)
_STEP_PASSWORD_WHERE = Bilingual(
    "The ICP filing password was sent by MIIT via SMS and email to the entity's person-in-charge after the first filing; a forgotten password can be reset at MIIT's filing system.",
    "备案密码在首次备案成功后由工信部通过短信和邮件发给主体负责人；忘记密码可在工信部备案管理系统找回。",
)
# Seed 004 says two things about the password: its deregistration answer asks for it on any
# deregistration submitted through Tencent Cloud, its password answer names only transfers and
# entity deregistrations.
_STEP_PASSWORD_WEBSITE = Bilingual(
    "Have the ICP filing password ready: Tencent Cloud's FAQ asks for it on any deregistration submitted through Tencent Cloud, though its password section names only transfers and entity deregistrations.",
    "请准备好备案密码：腾讯云常见问题说明，通过腾讯云提交的注销申请都需要提供正确的备案密码（其“备案密码”部分只列出了接入备案和注销主体）。",
)
_STEP_FORGOT_PASSWORD = Bilingual(
    "Forgot the ICP filing password? See the password-recovery guide below.",
    "忘记备案密码？请参见下方的找回备案密码指南。",
)
_STEP_FORGOT_NUMBER = Bilingual(
    "Forgot the filing number or province? Look it up on the Public Query page of MIIT's ICP filing management system.",
    "忘记备案号或备案所在省份？可在工信部备案管理系统的“公共查询”页面查询。",
)
# Where the form comes from: seeds 000-002 say the bureau's website (and link it), seeds 003/004
# reach the same province page through MIIT's filing system.
_STEP_FORM_VIA_MIIT = Bilingual(
    "Link not working? Tencent Cloud's FAQ finds the same form through MIIT's filing system: open the province under \"Communications Administration Bureau System\", then Downloads.",
    "链接打不开？腾讯云常见问题给出的途径：在工信部备案管理系统的“管局系统”中进入该省，在“相关下载”中下载注销申请表。",
)
# Who deregisters an empty shell: seed 004's transfer answer says the original provider, its list
# of causes (and seed 003's) says the bureau, after the provider cancels access.
_STEP_EMPTY_SHELL = Bilingual(
    "If you transfer all your domains, the original filing may become an empty shell: deal with it (e.g. deregister what you no longer use). Tencent Cloud's transfer FAQ says the original provider will then deregister the entity; its list of causes says the bureau deregisters an empty shell once the provider cancels access.",
    "如果把全部域名都接入新接入商，原备案可能成为空壳，请及时处理（例如注销不再使用的备案）。腾讯云接入备案常见问题说，否则原接入商会注销该主体；其注销原因列表则说，接入商取消接入后，由管局注销空壳。",
)
_STEP_CANCELLED_TRANSFER = Bilingual(
    "If a transfer is cancelled, the provider is unlinked but the filing number still exists: transfer to your new provider soon, or the bureau may deregister the filing.",
    "取消接入后，备案与该接入商解除关联，但备案号仍然存在：请尽快向新接入商办理接入备案，否则备案可能被管局注销。",
)
_STEP_TRANSFER_PASSWORD = Bilingual(
    "Have the correct ICP filing password ready: the transfer needs it.",
    "请准备好正确的备案密码，办理接入备案时需要提供。",
)
_STEP_PARTIAL_TRANSFER = Bilingual(
    "If you transfer only some domains, the transferred and the original filing can be used side by side.",
    "如果只接入部分域名，接入后的备案与原备案可同时使用，互不影响。",
)
_STEP_TRANSFER_WAITING = Bilingual(
    "Already preliminarily approved and waiting at the bureau? The site can be accessed a short while after the preliminary approval. If it still can't: a server IP that answers ping points to permissions on the server or a program fault (ask your network administrator); one that doesn't, to your provider's support (Tencent Cloud: 95716 transfer 3).",
    "已经初审通过、正在等待管局审核？初审通过后稍等片刻网站即可访问。若仍无法访问：服务器 IP 能 ping 通，可能是服务器权限配置或程序异常（请联系网络管理员）；ping 不通，请联系接入商客服（腾讯云：95716 转 3）。",
)
# Re-filing is not unconditional: seeds 003/004 blacklist in serious cases of illegal content.
_STEP_REAPPLY = Bilingual(
    "A deregistered number can't be recovered: submit a new ICP filing application as soon as possible. Exception: if the site had illegal content and the entity was blacklisted (serious cases), it can't re-apply with the same identity document number or website name.",
    "已注销的备案号无法恢复，请尽快重新提交备案申请。例外：如果网站含违法信息且主体被列入黑名单（情节严重），则不能再用同一证件号码或网站名称重新备案。",
)
_STEP_ENTITY_REAPPLY = Bilingual(
    "A deregistered entity can apply for ICP filing again, unless it was blacklisted for illegal content (then not with the same identity document number or website name).",
    "主体注销后可以重新申请备案；但因违法信息被列入黑名单的主体，不能再用同一证件号码或网站名称重新备案。",
)


def _suffix_branch(suffix: Optional[str]) -> str:
    """Which suffix branch applies; a compound suffix (.com.cn) is judged by its last label."""
    if suffix is None:
        return "suffix_unknown"
    last = "." + suffix.rsplit(".", 1)[-1]
    if last in BEIJING_FILEABLE_DISPUTED:
        return "suffix_disputed"
    if last in UNAPPROVED_SUFFIX_EXAMPLES:
        return "suffix_unapproved"
    if last in BEIJING_UNFILEABLE:
        return "suffix_beijing_unfileable"
    if last in BEIJING_FILEABLE:
        return "suffix_fileable"
    return "suffix_check_list"


def _suffix_caution(
    suffix: Optional[str],
) -> Tuple[Tuple[Bilingual, ...], Tuple[str, ...], Tuple[FormLink, ...], Tuple[str, ...]]:
    """Steps, sources, links and branches of the "can it be filed again?" check (seeds 002, 004).

    The seeds give no full list of approved suffixes, so none is invented: suffixes they show as
    fileable pass, the ones they name as unapproved get the firm warning, the rest are told to
    check MIIT's list before deregistering.
    """
    branch = _suffix_branch(suffix)
    if branch == "suffix_fileable":
        return (), (), (), (branch,)
    if branch == "suffix_unknown":
        step = Bilingual(
            "Before deregistering, check the domain's suffix: Alibaba Cloud's guide says a suffix MIIT has not approved (e.g. .org .cc .tv .name) can't be filed again once deregistered, and every suffix missing from MIIT's approved list (http://域名.信息) is unapproved.",
            "注销前请先确认域名后缀：阿里云的指南说明，未经工信部批复的域名后缀（如 .org .cc .tv .name）一旦注销成功就无法再次备案；不在工信部已批复列表（http://域名.信息）中的后缀均属未批复。",
        )
        return (step,), (S002,), (APPROVED_SUFFIXES,), (branch,)
    if branch == "suffix_check_list":
        step = Bilingual(
            f"Check that {suffix} is on MIIT's approved list (http://域名.信息) before deregistering: if it isn't, the domain can't be filed again (Alibaba Cloud's guide).",
            f"注销前请确认 {suffix} 在工信部已批复的后缀列表（http://域名.信息）中：如果不在，注销后该域名就无法再次备案（阿里云指南）。",
        )
        return (step,), (S002,), (APPROVED_SUFFIXES,), (branch,)
    if branch == "suffix_beijing_unfileable":
        step = Bilingual(
            f"Careful: Tencent Cloud's FAQ lists {suffix} among the country/region-specific suffixes that can't be filed in Beijing. Check that it is on MIIT's approved list (http://域名.信息) before deregistering: if it isn't, the domain can't be filed again (Alibaba Cloud's guide).",
            f"请谨慎：腾讯云常见问题把 {suffix} 列为北京不能备案的国家/地区域名后缀。注销前请确认它在工信部已批复的后缀列表（http://域名.信息）中：如果不在，注销后就无法再次备案（阿里云指南）。",
        )
        return (step,), (S002, S004), (APPROVED_SUFFIXES,), (branch,)
    caution = Bilingual(
        f"Careful: Alibaba Cloud's guide names {suffix} among the suffixes MIIT has not approved, and such a domain can't be filed again once deregistered. Check MIIT's approved list first.",
        f"请谨慎：阿里云的指南把 {suffix} 列为未经工信部批复的域名后缀，此类域名一旦注销成功就无法再次备案。请先查看工信部已批复的后缀列表。",
    )
    if branch == "suffix_disputed":
        other = Bilingual(
            f"The sources disagree: Tencent Cloud's FAQ lists {suffix} among the suffixes that can be filed in Beijing. MIIT's approved list decides, so check it before deregistering.",
            f"各来源说法不一：腾讯云常见问题把 {suffix} 列为北京可以备案的域名后缀。以工信部已批复的后缀列表为准，注销前请先查看。",
        )
        return (caution, other), (S002, S004), (APPROVED_SUFFIXES,), (branch,)
    # suffix_unapproved: .org is also on seed 004's list of suffixes Beijing won't file.
    if "." + suffix.rsplit(".", 1)[-1] in BEIJING_UNFILEABLE:  # type: ignore[union-attr]
        agree = Bilingual(
            f"Tencent Cloud's FAQ agrees for Beijing: it lists {suffix} among the suffixes that can't be filed there.",
            f"腾讯云常见问题对北京的说法一致：它把 {suffix} 列为北京不能备案的后缀。",
        )
        return (caution, agree), (S002, S004), (APPROVED_SUFFIXES,), (branch, "suffix_beijing_unfileable")
    return (caution,), (S002,), (APPROVED_SUFFIXES,), (branch,)


def _bureau_method(bureau: Bureau, documents_en: str, documents_zh: str) -> Bilingual:
    """How the bureau takes the application. Special procedures (Shanghai, Sichuan, Hunan) are
    bureau notes with their own sources and follow as steps."""
    return Bilingual(
        f"Download and print its deregistration form (first link below), fill it in as the form requires and submit it with {documents_en} in the way the form says.",
        f"下载并打印注销备案申请表（见下方第一个链接），按表中要求填写，并按要求的方式连同{documents_zh}一起递交。",
    )


def _notes(bureau: Bureau) -> Tuple[Tuple[Bilingual, ...], Tuple[str, ...]]:
    return tuple(note.text for note in bureau.notes), tuple(s for note in bureau.notes for s in note.sources)


def _refile_clause(caution: Tuple[Bilingual, ...]) -> Bilingual:
    """The "you can file it again" promise, with the suffix caveat when one follows."""
    if caution:
        return Bilingual(" (if its suffix allows: see below)", "（前提是域名后缀允许，见下文）")
    return Bilingual("", "")


# --------------------------------------------------------------------------- filing


def filing_needed(
    *,
    server_location: Optional[str] = None,
    service_type: Optional[str] = None,
    domain_filing: Optional[str] = None,
) -> Outcome:
    """Does this domain need ICP filing? Asks: server_location, service_type, domain_filing."""
    location = check_input("server_location", server_location)
    service = check_input("service_type", service_type)
    filing = check_input("domain_filing", domain_filing)

    if location is None:
        return Ask("server_location")
    if location != "mainland":
        return _advice(
            "filing_not_required_outside_mainland",
            Bilingual(
                "No ICP filing is needed for a website: a domain that points to a server outside mainland China (Hong Kong, China included) needs no filing and is not blocked for lacking one.",
                "网站无需备案：域名解析到中国内地以外（包括中国香港）的服务器时无需备案，也不会因未备案被拦截。",
            ),
            (_STEP_EMAIL_ANY_SERVER, _STEP_MAINLAND_LATER, _STEP_IDENTITY),
            (S004,),
        )
    if service is None:
        return Ask("service_type")
    if service == "none":
        return _advice(
            "filing_not_required_unused",
            Bilingual(
                "No ICP filing is needed while the domain offers no service: a registered domain that isn't in use, or a server with no domain pointing to it, needs no filing.",
                "域名不提供服务时无需备案：已注册但未使用的域名，或没有域名解析到的服务器，都不需要备案。",
            ),
            (
                _STEP_IDENTITY,
                Bilingual(
                    "Filing becomes necessary once the domain serves a website from a server in mainland China, or is used for email (mail.<domain>).",
                    "一旦域名通过中国内地服务器提供网站服务，或用于邮箱服务（mail.域名），就必须备案。",
                ),
                _STEP_CONSTRUCTION,
            ),
            (S004,),
        )
    if filing is None:
        return Ask("domain_filing")
    if filing == "this_provider":
        return _advice(
            "filing_already_filed",
            Bilingual(
                "No new filing is needed: the domain is already filed through the provider of your server. A second-level domain of a top-level domain filed through that provider needs no filing of its own.",
                "无需重新备案：该域名已通过当前服务器所属接入商备案。主域名已通过该接入商备案时，其二级域名也无需单独备案。",
            ),
            (_STEP_NEW_DOMAIN, _STEP_IP_SAME_PROVIDER),
            (S004,),
        )
    if filing == "other_provider":
        return _advice(
            "filing_transfer_required",
            Bilingual(
                "You don't need a new filing, but you must transfer the filing (ICP filing transfer) to the provider of your mainland server; the site can be accessed through it once the transfer is preliminarily approved. The same applies to a second-level domain whose top-level domain was filed through another provider.",
                "无需重新备案，但需要向当前中国内地服务器所属接入商办理接入备案；接入备案初审通过后即可通过该接入商访问。主域名在其他接入商备案时，其二级域名同样需要办理接入备案。",
            ),
            (_STEP_KEEP_OLD, _STEP_NO_CHANGE_DURING_TRANSFER),
            (S004,),
        )
    if filing == "deregistered":
        return _advice(
            "filing_deregistered",
            Bilingual(
                "Yes, the domain must be filed again: a deregistered ICP filing number can't be recovered. Submit a new application through your server's provider as soon as possible; the site can't be accessed until a new number is issued.",
                "需要重新备案：已注销的备案号无法恢复。请尽快通过服务器所属接入商重新提交备案申请；取得新备案号之前网站无法访问。",
            ),
            (_STEP_REAPPLY, _STEP_ASK_BUREAU_REASON),
            (S003, S004),
        )
    if service == "email":
        text = Bilingual(
            "Yes, ICP filing is required: Tencent Cloud's FAQ says a domain used for email (an organisational mailbox at mail.<domain>) must be filed. Apply through the provider of your mainland server.",
            "需要备案：腾讯云常见问题说明，用于邮箱服务（通过 mail.域名 访问单位邮箱）的域名必须备案。请通过中国内地服务器所属接入商申请。",
        )
        steps: Tuple[Bilingual, ...] = (_STEP_IDENTITY_BEFORE_APPROVAL, _STEP_FOREIGN_REGISTRAR)
    else:
        text = Bilingual(
            "Yes, ICP filing is required: a website whose domain points to a server in mainland China must be filed. Apply through the provider of that server; the site can't be accessed until the ICP filing number is issued.",
            "需要备案：域名解析到中国内地服务器的网站必须备案。请通过该服务器所属接入商申请；取得备案号之前网站无法访问。",
        )
        steps = (_STEP_CONSTRUCTION, _STEP_IDENTITY_BEFORE_APPROVAL, _STEP_SECOND_LEVEL_AFTER, _STEP_FOREIGN_REGISTRAR)
    return _advice("filing_required", text, steps, (S004,))


# --------------------------------------------------------------------------- accessibility


def _verification_clause(suffix: Optional[str]) -> Bilingual:
    """Seed 004's second cause after approval: .com/.net identity verification within 5 days."""
    if suffix in _RESOLUTION_VERIFY_SUFFIXES:
        return Bilingual(
            f" A {suffix} domain must pass identity verification within 5 days of registration, otherwise it can't be resolved: complete the domain's identity verification first.",
            f"{suffix} 域名须在注册成功后5天内完成实名认证，否则无法解析：请先完成域名实名认证。",
        )
    if suffix is None:
        return Bilingual(
            " A .com or .net domain must pass identity verification within 5 days of registration, otherwise it can't be resolved: if that's your case, complete the domain's identity verification first.",
            ".com/.net 域名须在注册成功后5天内完成实名认证，否则无法解析：如属这种情况，请先完成域名实名认证。",
        )
    return Bilingual("", "")


def _ping_path(reachable: Optional[str], suffix: Optional[str]) -> Outcome:
    """Approved filing, site still unreachable: seed 004's "After Approval" answer.

    It gives two causes only: a ping that doesn't answer (the registry paused the resolution) and
    the .com/.net verification. "Permissions on the server or a program fault" is its answer for a
    preliminarily approved transfer, not here.
    """
    if reachable is None:
        return Ask("server_reachable")
    verify = _verification_clause(suffix)
    if reachable == "yes":
        return _advice(
            "access_server_issue",
            Bilingual(
                "The server answers pings, so it isn't the paused resolution Tencent Cloud's FAQ names for an approved filing (that shows as a ping that doesn't answer)."
                + verify.en
                + " Also make sure the domain resolves to your current server IP.",
                "服务器可以 ping 通，因此不是腾讯云常见问题所说的已备案域名被暂停解析（那种情况 ping 不通）。"
                + verify.zh
                + "另请确认域名解析到当前服务器 IP。",
            ),
            (_STEP_ACCESS_CANCELLED, _STEP_TENCENT_SUPPORT),
            (S004,),
            refinements=("resolution_verify",) if verify.en else (),
        )
    return _advice(
        "access_resolution_paused",
        Bilingual(
            "If pinging the domain shows its server IP doesn't answer, the registry has put the domain's resolution on hold." + verify.en,
            "如果 ping 域名发现对应的服务器 IP 不通，说明注册局暂停了该域名的解析。" + verify.zh,
        ),
        (_STEP_ACCESS_CANCELLED, _STEP_TENCENT_SUPPORT),
        (S004,),
        refinements=("resolution_verify",) if verify.en else (),
    )


def diagnose_access(
    *,
    server_location: Optional[str] = None,
    domain_filing: Optional[str] = None,
    application_stage: Optional[str] = None,
    server_reachable: Optional[str] = None,
    domain_suffix: Optional[str] = None,
) -> Outcome:
    """Why can't the website be accessed?

    Asks: server_location, domain_filing, then (unless deregistered) application_stage, then
    server_reachable only where the ping decides (approved earlier, filed with this provider, or a
    preliminarily approved transfer). For a filing already with this provider, any stage other than
    approved_today leads to the ping check: pending changes don't affect access.
    """
    location = check_input("server_location", server_location)
    filing = check_input("domain_filing", domain_filing)
    stage = check_input("application_stage", application_stage)
    reachable = check_input("server_reachable", server_reachable)
    suffix = check_input("domain_suffix", domain_suffix)

    if location is None:
        return Ask("server_location")
    if location != "mainland":
        return _advice(
            "access_outside_mainland",
            Bilingual(
                "ICP filing isn't the cause: a server outside mainland China needs no filing, and its domains aren't blocked for lacking one. Check that the domain resolves to your current server IP.",
                "不是备案的原因：中国内地以外的服务器无需备案，其域名不会因未备案被拦截。请检查域名是否解析到当前服务器 IP。",
            ),
            (
                Bilingual(
                    "Changed the domain's DNS servers? The change takes effect after 48 hours.",
                    "修改过域名的 DNS 服务器？修改需48小时后生效。",
                ),
            ),
            (S004,),
        )
    if filing is None:
        return Ask("domain_filing")
    if filing == "deregistered":
        return _advice(
            "access_deregistered",
            Bilingual(
                "The site's ICP filing number has been deregistered, so the site can't be accessed and the number can't be recovered. The causes the sources give: 1) the entity applied for it; 2) the domain expired and its new owner had it deregistered over a domain conflict (just that website, or the entity if it had only one); 3) false, inaccurate or missing information: the provider cancelled access and the empty shell was deregistered, or a bureau or MIIT spot check found it (e.g. a changed phone number); 4) illegal content: website and entity deregistered, and in serious cases the entity blacklisted.",
                "网站备案号已被注销，因此无法访问，且无法恢复。来源给出的原因：1）主体自行申请注销；2）域名过期后新持有者因域名冲突申请注销（只注销该网站，主体下只有这一个网站时注销主体）；3）备案信息虚假、不准确或缺失：接入商取消接入后成为空壳被注销，或管局、工信部抽查时发现（如电话号码已变更）；4）网站含违法信息：网站和主体被注销，情节严重的主体被列入黑名单。",
            ),
            (_STEP_REAPPLY, _STEP_ASK_BUREAU_REASON),
            (S003, S004),
        )
    if stage is None:
        return Ask("application_stage")
    if stage == "approved_today":
        return _advice(
            "access_wait_sync",
            Bilingual(
                "The approval takes some time to sync from the Communications Administration Bureau to your provider's system; after that the site can be accessed. Wait about half an hour, then try again.",
                "审核通过的信息需要一段时间从通信管理局同步到接入商系统，同步后网站即可访问。请等待约半小时后再试。",
            ),
            (
                Bilingual(
                    "Still unreachable after that? Ping the server IP and tell me whether it answers.",
                    "之后仍无法访问？请 ping 服务器 IP，告诉我是否能 ping 通。",
                ),
            ),
            (S004,),
        )
    if stage == "approved_earlier" or filing == "this_provider":
        return _ping_path(reachable, suffix)
    if filing == "none":
        if stage == "not_applied":
            return _advice(
                "access_not_filed",
                Bilingual(
                    "The site has no ICP filing yet. A website on a server in mainland China can only go online after it gets an ICP filing number from the Communications Administration Bureau: apply in your server provider's filing system.",
                    "网站尚未备案。使用中国内地服务器的网站，须先从通信管理局取得备案号才能开通访问：请在服务器所属接入商的备案系统中提交申请。",
                ),
                (_STEP_CONSTRUCTION, _STEP_FOREIGN_REGISTRAR),
                (S004,),
            )
        return _advice(
            "access_filing_in_review",
            Bilingual(
                "For a first-time filing or a new website, the site can't be accessed until the ICP filing number is issued, and the block can't be lifted while the application is under review.",
                "首次备案或新增网站在取得备案号之前无法访问，审核期间也无法解除拦截。",
            ),
            (_STEP_WAIT_HALF_HOUR,),
            (S004,),
        )
    # filing == "other_provider": the fix is an ICP filing transfer to the new provider.
    if stage == "not_applied":
        return _advice(
            "access_transfer_needed",
            Bilingual(
                "The domain is filed through another provider. To serve it from your new provider's mainland server, apply for ICP filing transfer there; the site can be accessed once the transfer is preliminarily approved. Your filing information itself is not affected.",
                "该域名是在其他接入商处备案的。要使用新接入商的中国内地服务器，请在新接入商处申请接入备案；接入备案初审通过后网站即可访问，原备案信息不受影响。",
            ),
            (_STEP_NO_CHANGE_DURING_TRANSFER, _STEP_KEEP_OLD),
            (S004,),
        )
    if stage == "in_review":
        return _advice(
            "access_transfer_in_review",
            Bilingual(
                "During an ICP filing transfer the site can be accessed only after the new provider's preliminary approval; if the transfer is rejected, it stays inaccessible. Complete the application as soon as possible.",
                "接入备案期间，网站须在新接入商初审通过后才能访问；接入备案被驳回则无法访问。请尽快完成申请流程。",
            ),
            (_STEP_NO_CHANGE_DURING_TRANSFER,),
            (S004,),
        )
    # stage == "preliminarily_approved": the transfer waits at the bureau; seed 004's ping checks.
    if reachable is None:
        return Ask("server_reachable")
    if reachable == "yes":
        return _advice(
            "access_transfer_check_server",
            Bilingual(
                "The domain can be resolved a short while after the transfer's preliminary approval, so give it a little time first. If it still fails while the server IP answers pings, permissions may be configured on the server or the website program may be faulty: ask your network administrator to adjust the network permissions or configuration.",
                "接入备案初审通过后，需要稍等片刻域名才能解析访问，请先稍候再试。如果仍无法访问而服务器 IP 可以 ping 通，可能是服务器上配置了访问权限或网站程序异常：请联系网络管理员调整网络权限或配置。",
            ),
            (_STEP_45_DAYS,),
            (S004,),
        )
    return _advice(
        "access_transfer_contact_support",
        Bilingual(
            "The domain can be resolved a short while after the transfer's preliminary approval, so give it a little time first. If the server IP still doesn't answer pings, contact your provider's support. For Tencent Cloud: 95716 (transfer 3).",
            "接入备案初审通过后，需要稍等片刻域名才能解析访问，请先稍候再试。如果服务器 IP 仍然 ping 不通，请联系接入商客服处理。腾讯云：95716 转 3。",
        ),
        (_STEP_45_DAYS,),
        (S004,),
    )


# --------------------------------------------------------------------------- deregistration


def deregistration_route(
    *,
    kb: Knowledge,
    dereg_owner: Optional[str] = None,
    dereg_online: Optional[str] = None,
    dereg_scope: Optional[str] = None,
    province: Optional[str] = None,
    domain_suffix: Optional[str] = None,
) -> Outcome:
    """How to deregister a filing.

    Asks: dereg_owner; for another entity's filing: province (always offline at that bureau);
    for your own: dereg_online, then dereg_scope (online) or province (offline).
    """
    owner = check_input("dereg_owner", dereg_owner)
    online = check_input("dereg_online", dereg_online)
    scope = check_input("dereg_scope", dereg_scope)
    bureau = _bureau(kb, check_input("province", province))
    suffix = check_input("domain_suffix", domain_suffix)
    caution, caution_sources, caution_links, suffix_branches = _suffix_caution(suffix)
    refile = _refile_clause(caution)

    if owner is None:
        return Ask("dereg_owner")
    if owner == "other_entity":
        if bureau is None:
            return Ask("province")
        method = _bureau_method(
            bureau, "the required documents (such as your domain certificate and an explanatory note)", "所需材料（如域名证书和情况说明）"
        )
        note_steps, note_sources = _notes(bureau)
        return _advice(
            "dereg_other_entity_offline",
            Bilingual(
                f"Another entity's filing (e.g. one left on a domain you just bought) is deregistered offline, with a written application to the Communications Administration Bureau of {bureau.name.en}, where that filing is (Alibaba Cloud's guide: it can't be done on Alibaba Cloud's filing platform). {method.en} Once the bureau approves, the old filing is gone and you can apply for filing for the domain{refile.en}.",
                f"其他单位的备案（如新购域名上遗留的备案）需向备案所在地{bureau.name.zh}通信管理局提交书面申请，线下注销（阿里云指南：无法在阿里云备案平台注销）。{method.zh}管局审核通过后原备案即被注销，之后您可以为该域名申请备案{refile.zh}。",
            ),
            note_steps
            + (
                Bilingual(
                    "If that entity has only one website, the entity is deregistered; if it has several, only the website with your domain is deregistered and the others keep their filing.",
                    "如果该主体名下只有一个网站，则注销该主体；如果有多个网站，只注销冲突域名对应的网站，其他网站的备案保留。",
                ),
                _STEP_FORM_VIA_MIIT,
                _STEP_FORGOT_NUMBER,
            )
            + caution,
            _merge((S002, S003, S004), note_sources, caution_sources),
            bureau_links(bureau) + (MIIT_PUBLIC_QUERY,) + caution_links,
            suffix_branches,
        )
    if online is None:
        return Ask("dereg_online")
    if online == "yes":
        if scope is None:
            return Ask("dereg_scope")
        if scope == "entity":
            return _advice(
                "dereg_online_entity",
                Bilingual(
                    "Apply for entity deregistration through your provider's filing system. It deletes all of the entity's filing information, including the ICP filing number: the entity and all its websites are removed and its domains stop working. Tencent Cloud's FAQ: through Tencent Cloud you give the correct ICP filing password, and the bureau's system completes it within 3 to 20 business days (the sources give no timing for other providers).",
                    "请通过接入商的备案系统申请注销主体。注销主体会删除该主体的全部备案信息（包括备案号）：主体及其全部网站都会被注销，域名将无法使用。腾讯云常见问题：通过腾讯云注销需提供正确的备案密码，管局系统会在3至20个工作日内完成注销（来源未给出其他接入商的时限）。",
                ),
                (
                    _STEP_CANCEL_BEFORE_SUBMIT,
                    Bilingual(
                        "Only want to remove one site? Deregister that website instead: the entity and its other websites stay filed.",
                        "只想注销一个网站？请改为注销网站：主体及其他网站的备案不受影响。",
                    ),
                    _STEP_ENTITY_REAPPLY,
                    _STEP_PASSWORD_WHERE,
                )
                + caution,
                _merge((S004,), caution_sources),
                caution_links,
                suffix_branches,
            )
        return _advice(
            "dereg_online_website",
            Bilingual(
                "Apply for website deregistration through your provider's filing system. Only that website's filing information is deleted: the deregistered site can no longer be accessed, while the entity still exists and its other filed websites can be accessed normally. Tencent Cloud's FAQ: through Tencent Cloud the bureau's system completes it within 3 to 20 business days (the sources give no timing for other providers).",
                "请通过接入商的备案系统申请注销网站。只删除该网站的备案信息：被注销的网站将无法访问，主体仍然存在，其他已备案网站可正常访问。腾讯云常见问题：通过腾讯云注销时，管局系统会在3至20个工作日内完成（来源未给出其他接入商的时限）。",
            ),
            (_STEP_PASSWORD_WEBSITE, _STEP_CANCEL_BEFORE_SUBMIT, _STEP_PASSWORD_WHERE) + caution,
            _merge((S000, S004), caution_sources),
            caution_links,
            suffix_branches,
        )
    if bureau is None:
        return Ask("province")
    method = _bureau_method(bureau, "your identity documents", "您的证件")
    note_steps, note_sources = _notes(bureau)
    return _advice(
        "dereg_own_offline",
        Bilingual(
            f"If it can't be done online through a provider, deregister at the Communications Administration Bureau of {bureau.name.en}, where your filing number belongs. {method.en} Once the bureau approves, the deregistered domain can no longer be accessed; you can apply for filing for it again later{refile.en}.",
            f"无法通过服务商线上注销时，可向备案号所在的{bureau.name.zh}通信管理局申请注销。{method.zh}管局审核通过后，注销的网站域名将无法访问；注销后可重新为该域名申请备案{refile.zh}。",
        ),
        note_steps + (_STEP_FORM_VIA_MIIT, _STEP_FORGOT_PASSWORD, _STEP_FORGOT_NUMBER, _STEP_ENTITY_REAPPLY) + caution,
        _merge((S000, S001, S003, S004), note_sources, caution_sources),
        bureau_links(bureau) + (PASSWORD_RECOVERY_EN, PASSWORD_RECOVERY_ZH, MIIT_PUBLIC_QUERY) + caution_links,
        suffix_branches,
    )


# --------------------------------------------------------------------------- transfer


def _multiple_providers() -> Advice:
    return _advice(
        "transfer_multiple_providers",
        Bilingual(
            "You can use several access providers at the same time: the original filing doesn't need to be deregistered or changed. But a domain served from the new provider's mainland servers must also be filed through that provider (by ICP filing transfer); otherwise it counts as not filed there.",
            "可以同时使用多个接入商：原备案无需注销或变更。但通过新接入商中国内地服务器提供服务的域名，也必须在该接入商处办理备案（接入备案），否则会被认定为未备案。",
        ),
        (_STEP_PARTIAL_TRANSFER, _STEP_TRANSFER_PASSWORD, _STEP_TRANSFER_WAITING),
        (S004,),
    )


def transfer_advice(
    *,
    server_location: Optional[str] = None,
    domain_filing: Optional[str] = None,
    provider_change: Optional[str] = None,
    new_websites: Optional[str] = None,
) -> Outcome:
    """Is an ICP filing transfer needed, and how? Asks: server_location, domain_filing, provider_change, new_websites."""
    location = check_input("server_location", server_location)
    filing = check_input("domain_filing", domain_filing)
    change = check_input("provider_change", provider_change)
    new = check_input("new_websites", new_websites)

    # Adding a provider to a filed domain has its own rule, which already says when the new
    # provider needs a transfer (its mainland servers): no question about the server first.
    if change == "add" and filing in (None, "this_provider", "other_provider"):
        return _multiple_providers()
    if location is None:
        return Ask("server_location")
    if location != "mainland":
        return _advice(
            "transfer_not_needed_outside_mainland",
            Bilingual(
                "No transfer is needed: a server outside mainland China needs no ICP filing.",
                "无需办理接入备案：中国内地以外的服务器不需要备案。",
            ),
            (
                Bilingual(
                    "If you stop using your old provider's servers, it may cancel access; the filing then becomes an empty shell that the bureau deregisters. Deregister it yourself if you no longer need it.",
                    "如果不再使用原接入商的服务器，原接入商可能取消接入，备案随之成为空壳并被管局注销。如不再需要，建议主动注销。",
                ),
            ),
            (S004,),
        )
    if filing is None:
        return Ask("domain_filing")
    if filing == "none":
        return _advice(
            "transfer_new_filing_needed",
            Bilingual(
                "There is nothing to transfer: the domain has no ICP filing yet. Apply for a new filing through the provider of your mainland server.",
                "无需接入备案：该域名还没有备案。请通过中国内地服务器所属接入商申请新备案。",
            ),
            (_STEP_CONSTRUCTION, _STEP_FOREIGN_REGISTRAR),
            (S004,),
        )
    if filing == "this_provider":
        return _advice(
            "transfer_not_needed",
            Bilingual(
                "No transfer is needed: the domain is already filed through the provider of your server.",
                "无需接入备案：该域名已通过当前服务器所属接入商备案。",
            ),
            (_STEP_IP_SAME_PROVIDER, _STEP_NEW_DOMAIN),
            (S004,),
        )
    if filing == "deregistered":
        return _advice(
            "transfer_deregistered",
            Bilingual(
                "A deregistered filing can't be transferred or recovered: submit a new ICP filing application through your server's provider as soon as possible.",
                "已注销的备案无法接入，也无法恢复：请尽快通过服务器所属接入商重新提交备案申请。",
            ),
            (_STEP_REAPPLY, _STEP_ASK_BUREAU_REASON),
            (S003, S004),
        )
    if change is None:
        return Ask("provider_change")
    if change == "add":
        return _multiple_providers()
    if new is None:
        return Ask("new_websites")
    steps = (
        Bilingual(
            "Tencent Cloud takes up to 10 websites of the same entity in one transfer; the site can be accessed through the new provider once the transfer is preliminarily approved.",
            "腾讯云一次最多可接入同一主体的10个网站；接入备案初审通过后，网站即可通过新接入商访问。",
        ),
        _STEP_TRANSFER_WAITING,
        _STEP_NO_CHANGE_DURING_TRANSFER,
        _STEP_45_DAYS,
        _STEP_TRANSFER_PASSWORD,
        _STEP_EMPTY_SHELL,
        _STEP_CANCELLED_TRANSFER,
    )
    if new == "yes":
        return _advice(
            "transfer_then_new_websites",
            Bilingual(
                "Do the ICP filing transfer first: a transfer and new websites can't be applied for at the same time. When the transfer is done, apply for the new websites with the new provider.",
                "请先办理接入备案：接入备案和新增网站不能同时申请。接入完成后，再在新接入商处申请新增网站。",
            ),
            steps,
            (S003, S004),
        )
    return _advice(
        "transfer_required",
        Bilingual(
            "When you switch to a new provider, apply for ICP filing transfer with it: no new filing and no new number are needed.",
            "更换接入商时，请在新接入商处申请接入备案：无需重新备案，也不会更换备案号。",
        ),
        steps,
        (S003, S004),
    )


# --------------------------------------------------------------------------- registry

DECISIONS: Mapping[str, Callable[..., Outcome]] = {
    "filing": filing_needed,
    "access": diagnose_access,
    "dereg": deregistration_route,
    "transfer": transfer_advice,
}
# The inputs each decision reads, in the order it may ask for them (domain_suffix is never asked).
DECISION_INPUTS: Mapping[str, Tuple[str, ...]] = {
    "filing": ("server_location", "service_type", "domain_filing"),
    "access": ("server_location", "domain_filing", "application_stage", "server_reachable", "domain_suffix"),
    "dereg": ("dereg_owner", "dereg_online", "dereg_scope", "province", "domain_suffix"),
    "transfer": ("server_location", "domain_filing", "provider_change", "new_websites"),
}
ADVICE_CODES: Mapping[str, Tuple[str, ...]] = {
    "filing": (
        "filing_not_required_outside_mainland",
        "filing_not_required_unused",
        "filing_already_filed",
        "filing_transfer_required",
        "filing_deregistered",
        "filing_required",
    ),
    "access": (
        "access_outside_mainland",
        "access_deregistered",
        "access_wait_sync",
        "access_server_issue",
        "access_resolution_paused",
        "access_not_filed",
        "access_filing_in_review",
        "access_transfer_needed",
        "access_transfer_in_review",
        "access_transfer_check_server",
        "access_transfer_contact_support",
    ),
    "dereg": ("dereg_other_entity_offline", "dereg_online_entity", "dereg_online_website", "dereg_own_offline"),
    "transfer": (
        "transfer_not_needed_outside_mainland",
        "transfer_new_filing_needed",
        "transfer_not_needed",
        "transfer_deregistered",
        "transfer_multiple_providers",
        "transfer_then_new_websites",
        "transfer_required",
    ),
}
# Refinements an advice can go through besides its code (Advice.branches): the suffix check of
# every deregistration advice, and the .com/.net verification of an approved filing's ping path.
REFINEMENTS: Tuple[str, ...] = (
    "suffix_unknown",
    "suffix_fileable",
    "suffix_unapproved",
    "suffix_disputed",
    "suffix_beijing_unfileable",
    "suffix_check_list",
    "resolution_verify",
)
# Every branch that must cite the seed lines it rests on (knowledge/data/citations.yml).
BRANCHES: Tuple[str, ...] = tuple(code for codes in ADVICE_CODES.values() for code in codes) + REFINEMENTS
