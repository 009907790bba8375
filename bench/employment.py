"""Benchmark: employment's matching and the 1131 dashboard on 100,000 seekers and 50,000 open postings in
PostgreSQL.

    .venv/bin/python bench/employment.py [--seekers 100000] [--postings 50000] [--db minsheng_bench_employment]

Creates the bench database when missing (never touches any other), migrates it, builds the demo city and
tops the seekers and the open postings up to the counts given. They are written in bulk, not through
the services (which would take hours for this many): realistic text from job and skill vocabularies,
tokenised with core.text as the services do, places across the demo city's villages, pay, education,
1131 counters. Then it times, as the pages run them:

- the first top-10 after a change (the process builds its posting index: the matrix of 50,000 postings);
- the top-10 recommendations for one seeker (``employment.matching.jobs_for``, with the reasons and the
  posting rows), over 50 seekers: median and 95th percentile; target < 100 ms;
- the city's 1131 completion dashboard as the city leader (total, by county, by school): target < 500 ms;
- recomputing every looking seeker's top 10 (``employment.matching.recommend_all``): target < 10 min.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

JOBS = [
    ("软件测试工程师", "编写测试用例，执行功能测试和自动化测试", "熟悉Python或Java"),
    ("Java开发工程师", "后端开发与维护", "熟悉Java Spring MySQL"),
    ("数据分析员", "整理业务数据，制作报表和可视化", "会用Excel和Python"),
    ("仓库管理员", "货物出入库登记、盘点", "细心负责，会用电脑"),
    ("货车司机", "市内及周边配送", "持B2驾照"),
    ("养老护理员", "老人日常起居照料、助餐助浴", "持护理员证优先"),
    ("食品检验员", "原料和成品抽样检验", "食品科学专业"),
    ("生产线操作工", "操作包装设备", "能倒班"),
    ("电商运营专员", "网店商品上架、推广和客服", "熟悉电商平台"),
    ("农业技术员", "大棚蔬菜种植技术指导，病虫害防治", "农学、园艺专业"),
    ("电工", "电路和设备维护", "持低压电工证"),
    ("会计助理", "记账凭证、报税和档案整理", "会计学专业"),
    ("物业客服", "业主接待、报修登记和回访", "沟通能力好"),
    ("保安员", "门岗值守和巡逻", "身体健康"),
    ("销售代表", "客户开发与维护，完成销售目标", "沟通能力强"),
    ("行政文员", "文件收发、会议安排和档案管理", "熟练使用办公软件"),
    ("幼儿教师", "幼儿日常教学与保育", "学前教育专业，持教师资格证"),
    ("厨师", "中餐烹饪", "有厨师证"),
    ("焊工", "钢结构焊接", "持焊工证"),
    ("新媒体运营", "公众号和短视频内容策划", "会写作和剪辑"),
]
SKILLS = ["Python 测试", "Java 编程", "Excel 报表 数据分析", "驾驶 B2驾照", "护理 照料老人", "食品检验 化验", "电商 直播 做图",
          "种植 大棚", "电工证 电路", "会计 记账 报税", "沟通 客服", "写作 公文", "焊接", "烹饪", "教学 学前教育", "销售"]
WISHES = [j[0] for j in JOBS]
SCHOOLS = ["太原理工大学", "山西大学", "晋中学院", "山西农业大学", "山西财经大学", "中北大学", "山西医科大学", "太原师范学院",
           "山西职业技术学院", "晋中职业技术学院"]
EDUCATION = ["none", "junior", "senior", "college", "bachelor", "master"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=50_000)
    parser.add_argument("--db", default="minsheng_bench_employment")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--skip-all", action="store_true", help="do not time recomputing every seeker's list")
    parser.add_argument("--all-sample", type=int, help="recompute only this many seekers' lists and extrapolate")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the bench only runs against a local PostgreSQL")
    ensure_database(args.host, args.db)
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    prepare(args.seekers, args.postings)
    measure(args.runs, skip_all=args.skip_all, sample=args.all_sample)


def ensure_database(host: str, name: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def prepare(seekers: int, postings: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from stdnum.cn import ric, uscc

    from core.crypto import blind_index
    from core.text import tokens
    from employment.models import Employer, Posting, Seeker
    from orgs.models import Level, Unit

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if not Unit.objects.exists():
        call_command("seed_demo", verbosity=0)
    rng = random.Random(2026)
    villages = list(Unit.objects.filter(level=Level.VILLAGE).only("pk", "path"))
    counties = {u.code: u for u in Unit.objects.filter(level=Level.COUNTY)}
    county_of = {v.pk: counties[v.path.split("/")[1]] for v in villages}
    skill_tokens = {s: " ".join(tokens(s)) for s in SKILLS}
    wish_tokens = {w: " ".join(tokens(w)) for w in WISHES}
    job_tokens = [" ".join(tokens(f"{t} {t} {d} {r}")) for t, d, r in JOBS]

    have = Posting.objects.filter(status="open").count()
    if have < postings:
        print(f"{have:,} open postings; writing {postings - have:,} more")
        employers = list(Employer.objects.filter(status="verified"))
        start = Employer.objects.count()
        new = []
        for i in range(start, start + max(0, 2000 - len(employers))):
            body = f"91140700{i:09d}"
            unit = rng.choice(villages)
            new.append(Employer(name=f"晋中测试企业{i}", credit_code=body + uscc.calc_check_digit(body), unit=unit,
                                contact_name="联系人", contact_phone="13900000000", status="verified",
                                decided_at=timezone.now()))
        employers += Employer.objects.bulk_create(new, batch_size=1000)
        today = timezone.localdate()
        batch = []
        for _ in range(postings - have):
            j = rng.randrange(len(JOBS))
            title, duties, requirements = JOBS[j]
            low = rng.choice([2500, 3000, 3500, 4000, 5000, 6000])
            internship = rng.random() < 0.15
            batch.append(Posting(
                employer=rng.choice(employers), kind="internship" if internship else "job", title=title,
                duties=duties, requirements=requirements, education=rng.choice(EDUCATION[:5]), salary_min=low,
                salary_max=low + rng.choice([0, 500, 1000, 2000]), unit=rng.choice(villages),
                headcount=rng.randint(1, 5), closes_on=today + timedelta(days=rng.randint(5, 90)),
                duration_months=6 if internship else None, subsidy=1800 if internship else None,
                tokens=job_tokens[j]))
            if len(batch) == 5000:
                Posting.objects.bulk_create(batch)
                batch = []
        Posting.objects.bulk_create(batch)

    have = Seeker.objects.count()
    if have < seekers:
        print(f"{have:,} seekers; writing {seekers - have:,} more (the ID numbers encrypted, as the services do)")
        batch = []
        for i in range(have, seekers):
            body = f"1407021995{i:07d}"
            number = body + ric.calc_check_digit(body + "0")
            unit = rng.choice(villages)
            graduate = rng.random() < 0.6
            skills, wish = rng.choice(SKILLS), rng.choice(WISHES)
            counts = [rng.randint(0, 1), rng.randint(0, 1), rng.randint(0, 3), rng.randint(0, 1)]
            batch.append(Seeker(
                name=f"求职者{i}", id_number=number, id_index=blind_index(number), sex="male",
                birth_date=timezone.localdate() - timedelta(days=8000), unit=unit, county=county_of[unit.pk],
                kind="graduate" if graduate else rng.choice(["hard_to_employ", "poverty_labour", "returning_migrant"]),
                education=rng.choice(EDUCATION[3:]) if graduate else rng.choice(EDUCATION[:3]),
                school=rng.choice(SCHOOLS) if graduate else "", graduation_year=2025 if graduate else None,
                skills=skills, wishes=wish, desired_salary=rng.choice([None, 3000, 4000, 5000]),
                status="unemployed" if rng.random() < 0.8 else "employed", registered_via="import",
                tokens=f"{skill_tokens[skills]} {wish_tokens[wish]}",
                n_policy=counts[0], n_guidance=counts[1], n_recommendation=counts[2], n_opportunity=counts[3],
                ledger_complete=counts == [1, 1, 3, 1]))
            if len(batch) == 5000:
                Seeker.objects.bulk_create(batch)
                batch = []
                print(f"  {i + 1:,}", end="\r", flush=True)
        Seeker.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE employment_seeker")
        cursor.execute("VACUUM ANALYZE employment_posting")
        cursor.execute("VACUUM ANALYZE employment_employer")
    from employment import matching

    matching.changed("postings")  # written in bulk: tell the processes' indexes
    matching.changed("seekers")
    print(f"{Seeker.objects.count():,} seekers ({Seeker.objects.filter(status='unemployed').count():,} looking), "
          f"{Posting.objects.filter(status='open').count():,} open postings")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


class Timer:
    """Wall time and this process's CPU time: on a shared machine the CPU time says what the work costs,
    the wall time what a user waited (the database's share is in the wall time only)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def measure(runs: int, *, skip_all: bool, sample: int | None = None) -> None:
    from accounts.models import User
    from employment import matching, selectors
    from employment.models import Seeker

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rng = random.Random(7)
    ids = list(Seeker.objects.filter(status="unemployed").values_list("pk", flat=True)[:20000])
    matching.forget()
    first = Seeker.objects.get(pk=ids[0])
    with Timer() as t:
        matching.jobs_for(first, k=10)
    print(f"first top-10 after a change (builds the posting index): {ms(t.wall)} (CPU {ms(t.cpu)})")

    times, cpu = [], []
    for pk in rng.sample(ids, runs):
        with Timer() as t:
            seeker = Seeker.objects.select_related("unit", "desired_place").get(pk=pk)
            matches = matching.jobs_for(seeker, k=10)
        times.append(t.wall)
        cpu.append(t.cpu)
        assert len(matches) == 10 and all(m.reasons for m in matches)
    times.sort()
    print(f"top-10 for one seeker, {runs} seekers: median {ms(statistics.median(times))}, "
          f"p95 {ms(times[int(0.95 * len(times)) - 1])}, max {ms(times[-1])}, median CPU {ms(statistics.median(cpu))} "
          f"(target < 100 ms)")
    print("  e.g.", " | ".join(matches[0].reasons))

    leader = User.objects.get(username="jz_leader")
    dash = []
    for _ in range(5):
        with Timer() as t:
            figures = selectors.completion(leader)  # what the page runs
        total, counties, schools = figures.total, figures.counties, figures.schools
        dash.append(t.wall)
    print(f"1131 dashboard for the city (total, {len(counties)} counties, {len(schools)} schools): "
          f"best {ms(min(dash))}, median {ms(statistics.median(dash))} (target < 500 ms); "
          f"{total.complete:,} of {total.graduates:,} graduates complete")

    if skip_all:
        return
    with Timer() as index:
        matching.seeker_index()
    looking = len(matching.seeker_index().ids)
    with Timer() as t:
        every = matching.recommend_all(k=10, chunk=256, limit=sample)
    scale = looking / len(every)
    note = f" (measured on {len(every):,}, scaled ×{scale:.1f})" if scale > 1 else ""
    print(f"recomputing every looking seeker's top 10: {looking:,} seekers in {t.wall * scale:,.1f} s "
          f"(CPU {t.cpu * scale:,.1f} s){note}, + {index.wall:,.1f} s (CPU {index.cpu:,.1f} s) to build the seeker "
          f"index; target < 600 s")


if __name__ == "__main__":
    main()
