"""The demo center comes with sample dossiers, two returned by post: one on today's hand-over
list (so ``make run`` shows /console/postal with content) and one already handed to the post office."""
from __future__ import annotations

from sqlalchemy import func, select

from server.clock import SystemClock
from server.db import Database
from server.demo import DEMO_DOSSIERS, seed_demo
from server.domain.dossiers import Applicant, DossierService
from server.models.dossiers import Dossier
from server.schema import upgrade


def test_the_demo_has_one_dossier_on_todays_postal_list_and_one_posted(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.write() as s:
            seed_demo(s, password_for=lambda _u: "matkhau-demo-123", devices=False)
        service = DossierService(db, SystemClock(), queue=None)
        listing = service.postal_list(1)
        assert [(i["applicant_name"], i["delivery_address"]) for i in listing["items"]] == [
            ("Nguyễn Thị Hoa", "Số 12, ngõ 34 phố Huế, phường Hai Bà Trưng, Hà Nội")]
        with db.read() as s:
            assert s.scalar(select(func.count(Dossier.id))) == len(DEMO_DOSSIERS)
            posted = s.scalars(select(Dossier).where(Dossier.posted_at.is_not(None))).one()
            assert posted.state == "returned" and posted.returned_at == posted.posted_at and posted.channel == "post"
        # The demo's codes came from the daily sequence: a clerk's first real dossier does not collide.
        received = service.receive(1, procedure_code="TPHT-KH", applicant=Applicant("Đỗ Văn Phúc"), actor="t")
        assert received["code"] not in {i["code"] for i in listing["items"]}
    finally:
        db.dispose()
