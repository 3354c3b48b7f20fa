"""The applicant and the documents a dossier lists, cleaned and checked as a clerk types them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from server.domain.errors import DomainError

PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MAX_DOCUMENTS = 40


@dataclass
class Applicant:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""  # the ID card's 12 digits (printed on the receipt), or empty


def clean_applicant(applicant: Applicant, *, name_required: bool = True) -> Applicant:
    name = " ".join((applicant.name or "").split())[:200]
    phone = re.sub(r"[\s.\-()]", "", applicant.phone or "")[:40]
    email = (applicant.email or "").strip()[:200]
    if name_required and not name:
        raise DomainError("applicant_name_required", "Hãy nhập họ tên người nộp hồ sơ.", "Enter the applicant's name.",
                          status=400)
    if phone and not PHONE_RE.match(phone):
        raise DomainError("invalid_phone", "Số điện thoại không hợp lệ.", "Invalid phone number.", status=400)
    if email and not EMAIL_RE.match(email):
        raise DomainError("invalid_email", "Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.", status=400)
    id_number = "".join((applicant.id_number or "").split())
    if id_number and not (len(id_number) == 12 and id_number.isdigit() and id_number.isascii()):
        raise DomainError("invalid_id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                          "The ID number must be exactly 12 digits.", status=400)
    return Applicant(name, phone, email, " ".join((applicant.address or "").split())[:300], id_number)


def clean_documents(documents: Any) -> list[str]:
    if documents is None:
        return []
    if not isinstance(documents, (list, tuple)):
        raise DomainError("invalid_documents", "Danh sách thành phần hồ sơ không hợp lệ.", "Documents must be a list.",
                          status=400)
    out = [" ".join(str(x).split())[:300] for x in documents if str(x).strip()]
    if len(out) > MAX_DOCUMENTS:
        raise DomainError("invalid_documents", f"Tối đa {MAX_DOCUMENTS} thành phần hồ sơ.", f"At most {MAX_DOCUMENTS} documents.",
                          status=400)
    return out
