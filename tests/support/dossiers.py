"""Serving a citizen and receiving a dossier through the API, as the clerk's console does."""
from __future__ import annotations

from typing import Any


def serve_next(client, csrf: str, counter: int = 1, service_id: int = 1) -> dict[str, Any]:
    """A citizen takes a ticket and the counter calls it."""
    client.post("/api/v1/tickets", json={"center_id": 1, "service_id": service_id}, headers={"X-CSRF-Token": csrf})
    response = client.post(f"/api/v1/counters/{counter}/call-next", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["ticket"]


def receive_via_api(client, csrf: str, counter: int = 1, **body: Any) -> dict[str, Any]:
    payload = {"procedure_code": "TPHT-KH", "applicant_name": "Nguyễn Thị Hoa", "applicant_phone": "0912 345 678",
               "applicant_email": "hoa@example.vn", "documents": ["Tờ khai đăng ký kết hôn"], "print": False, **body}
    response = client.post(f"/api/v1/counters/{counter}/dossiers", json=payload, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def received_dossier(app, applicant_name: str = "Nguyễn Văn A", phone: str = "0901234567") -> tuple[object, str]:
    """A dossier received at the demo center by the real dossier service; (service, code)."""
    from server.demo_procedures import seed_demo_procedures
    from server.domain import dossiers

    core = app.extensions["motcua"]
    service = dossiers.DossierService(core.db, core.clock, core.queue)
    with core.db.write() as s:
        seed_demo_procedures(s, 1)
    procedure_id = service.procedures(1)[0]["id"]
    received = service.receive(1, procedure_id=procedure_id, applicant=dossiers.Applicant(name=applicant_name, phone=phone))
    return service, received["code"]


# A delivery address as citizens write it: commas inside, so the CSV must keep it in one cell.
DELIVERY_ADDRESS = "Số 12, ngõ 34 phố Huế, phường Hai Bà Trưng, Hà Nội"
