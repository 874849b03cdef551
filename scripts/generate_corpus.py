#!/usr/bin/env python3
"""Generate N synthetic work plans of the genre — FOR BENCHMARKS ONLY.

The documents look like provincial 工作要点 / 实施方案 (a 通知 head with 发文字号 and date,
a preamble with targets, numbered sections and tasks closed by attribution parentheses)
so that the store benchmarks ingest and query data of the real shape and size (about the
size of the bundled sample: ~30 tasks, ~7,000 characters, ~4,400 quads each). Their
wording is assembled from phrase lists: they say nothing true, and they must never be
used to measure or claim extraction accuracy (the generator and the extractor share the
genre's conventions, so the extractor would look better on them than on real documents).

What varies, deterministically by ``--seed``:

- issuer, year (2018–2025), month and day, 发文字号 and title, so document ids differ;
- responsible units: province departments from the registry, city governments, national
  bodies, and unregistered units (专班, 指挥部, 中心 … that the registry does not know);
- every attribution style the extractor reads: (X牵头,Y按职责分工负责), (X), (X,Y),
  (X、Y按职责分工负责), (牵头单位：X；配合单位：Y), and now and then an implementer rule
  (以下各项任务均需各市、县(市、区)人民政府落实);
- targets with varied units (个, 公里, 公顷, 万平方米, %, 亿元, 家, 套, 辆 …) and comparators
  (以上, 以内, 不低于, 不超过, 达到, 左右, plain counts);
- region mentions (cities, counties, 山区26县, 杭绍/甬舟 pairs, …).

Usage::

    python scripts/generate_corpus.py 1000 --out /tmp/corpus --seed 7
    python scripts/generate_corpus.py 3 --stdout        # print them, separated by form feeds
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from fengong.numerals import chinese_numeral

CITIES = ["杭州市", "宁波市", "温州市", "嘉兴市", "湖州市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市", "丽水市"]
REGION_PHRASES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水",
                  "山区26县", "杭绍", "甬舟", "嘉湖", "义乌", "海宁", "安吉", "淳安", "龙泉"]
ISSUERS = [  # (short form in the title line, 发文字号 prefix)
    ("省发展改革委", "浙发改城镇函"), ("省建设厅", "浙建城"), ("省自然资源厅", "浙自然资规"),
    ("省交通运输厅", "浙交"), ("省生态环境厅", "浙环发"), ("省农业农村厅", "浙农计发"),
    ("省商务厅", "浙商务发"), ("省经信厅", "浙经信"), ("省科技厅", "浙科发"), ("省水利厅", "浙水计"),
    ("省卫生健康委", "浙卫发"), ("省教育厅", "浙教计"), ("省文化和旅游厅", "浙文旅"),
]
UNREGISTERED = [
    "省数字化改革专班", "省城市更新工作专班", "省未来社区建设推进办", "省乡村振兴促进中心",
    "省共同富裕示范区建设指挥部", "省大湾区建设推进中心", "省城乡风貌整治提升办", "省低碳城市研究中心",
    "省公共数据开放中心", "省山区发展服务中心", "省海洋经济推进专班", "省新型城镇化研究院",
    "杭州都市圈协调会办公室", "宁波都市圈建设指挥部", "省营商环境优化专班", "省产业链提升工作组",
]
TOPICS = ["新型城镇化和城乡融合发展", "城市更新", "美丽城镇建设", "数字政府建设", "生态文明建设",
          "交通强省建设", "乡村振兴", "共同富裕示范区建设", "营商环境优化", "公共服务优质共享",
          "现代产业体系建设", "海洋经济发展", "县城承载能力提升", "未来社区建设", "水利高质量发展"]
KINDS = ["工作要点", "实施方案", "任务分工方案", "行动计划"]
SECTIONS = ["提高{t}质量", "优化{t}发展格局", "建设面向未来的{t}体系", "推动{t}优质共享", "提升{t}治理水平",
            "加快实现{t}融合发展", "强化{t}要素保障", "深化{t}体制机制改革"]
VERBS = ["深化", "推进", "加快", "健全", "完善", "强化", "推动", "实施", "建立", "提升", "持续推进", "扎实推进"]
OBJECTS = ["户籍制度改革", "居住证制度", "公共服务均等化", "都市区建设", "县城承载能力", "小城镇培育", "特色小镇",
           "市政设施建设", "城乡人居环境", "绿色低碳城市", "城市发展韧性", "住房保障体系", "教育资源配置",
           "医疗卫生服务", "社会保障体系", "城市治理体系", "数字化改革", "城乡要素流动", "乡村产业发展",
           "农村集体经济", "综合交通网络", "生态环境保护", "历史文化保护", "科技创新平台", "营商环境"]
FILLERS = [
    "坚持问题导向和目标导向,统筹推进各项改革举措落地见效",
    "进一步完善配套政策,健全工作推进机制,强化督促检查和考核评估",
    "总结推广具有地方特色、先行示范意义的经验做法,形成一批可复制可推广的制度成果",
    "加强部门协同和上下联动,及时研究解决推进过程中的重大问题",
    "强化要素保障,优化资源配置,推动重大项目早开工、早建成、早见效",
    "以数字化改革为牵引,迭代升级应用场景,提升精准管理和精益服务水平",
    "聚焦群众急难愁盼问题,持续提升人民群众获得感、幸福感、安全感",
    "开展年度评估和专项评价,评价结果以适当方式通报",
]
METRICS = [  # (metric, units, comparator styles)
    ("绿道", ["公里"]), ("停车位", ["个", "万个"]), ("供水管网", ["公里"]), ("绿地", ["公顷"]),
    ("保障性租赁住房", ["套", "万套", "万套(间)"]), ("未来社区", ["个"]), ("充电桩", ["个", "台"]),
    ("新能源公交车", ["辆"]), ("老旧小区改造", ["个"]), ("美丽城镇", ["个"]), ("示范街区", ["个", "条"]),
    ("既有建筑节能改造面积", ["万平方米"]), ("农村公路", ["公里"]), ("固定资产投资", ["亿元"]),
    ("普惠性幼儿园", ["所"]), ("养老机构床位", ["张", "万张"]), ("重点企业", ["家"]), ("技能人才", ["万人"]),
]
RATES = ["常住人口城镇化率", "城乡居民收入比", "污水处理率", "生活垃圾分类覆盖率", "行政村覆盖率",
         "出水水质达标率", "公共服务满意度", "绿色建筑占比", "清洁能源占比", "数字化覆盖率"]


class Corpus:
    """Deterministic documents from one seed: ``Corpus(seed).document(k)``."""

    def __init__(self, seed: int = 0) -> None:
        from fengong.registry import DepartmentRegistry

        self.seed = seed
        registry = DepartmentRegistry.default()
        self.province = sorted(d.short for d in registry
                               if d.level == "province" and d.short.startswith("省")
                               and d.kind in ("government_department", "party_organ", "vertical_agency"))
        self.national = sorted(d.short for d in registry
                               if d.level == "national" and d.kind == "government_department")[:20]
        self.issuer_names = {short: (registry.resolve(short).name if registry.resolve(short) else short)
                             for short, _ in ISSUERS}

    # -- units and attributions ---------------------------------------------------------
    def unit(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.72:
            return rng.choice(self.province)
        if r < 0.84:
            return rng.choice(CITIES)
        if r < 0.90:
            return rng.choice(self.national)
        return rng.choice(UNREGISTERED)

    def units(self, rng: random.Random, n: int) -> list[str]:
        out: list[str] = []
        while len(out) < n:
            u = self.unit(rng)
            if u not in out:
                out.append(u)
        return out

    def attribution(self, rng: random.Random) -> str:
        style = rng.randrange(5)
        if style == 0:
            lead, *others = self.units(rng, rng.randint(2, 3))
            return f"({lead}牵头,{'、'.join(others)}按职责分工负责)"
        if style == 1:
            return f"({self.unit(rng)})"
        if style == 2:
            return f"({'，'.join(self.units(rng, 2)) if rng.random() < 0.2 else ','.join(self.units(rng, 2))})"
        if style == 3:
            return f"({'、'.join(self.units(rng, rng.randint(2, 3)))}按职责分工负责)"
        lead, *others = self.units(rng, rng.randint(2, 3))
        return f"(牵头单位：{lead}；配合单位：{'、'.join(others)})"

    # -- targets and regions ------------------------------------------------------------
    def target(self, rng: random.Random) -> str:
        if rng.random() < 0.3:
            rate = rng.choice(RATES)
            value = round(rng.uniform(40, 99), rng.choice((0, 1)))
            form = rng.choice(["{m}达到{v}%", "{m}达到{v}%以上", "{m}不低于{v}%", "{m}保持在{v}%左右",
                               "{m}提高到{v}%"])
            return form.format(m=rate, v=value)
        metric, units = rng.choice(METRICS)
        unit = rng.choice(units)
        value = rng.choice([rng.randint(2, 99), rng.randint(100, 999), rng.randint(10, 90) * 100,
                            round(rng.uniform(1, 20), 1)])
        form = rng.choice(["新增{m}{v}{u}以上", "新建{m}{v}{u}", "完成{m}{v}{u}", "{m}控制在{v}{u}以内",
                           "{m}不少于{v}{u}", "{m}不超过{v}{u}", "建设{m}{v}{u}左右", "累计建成{m}{v}{u}"])
        return form.format(m=metric, v=value, u=unit)

    def region(self, rng: random.Random) -> str:
        picked = rng.sample(REGION_PHRASES, rng.randint(1, 3))
        return rng.choice(["支持{r}开展试点", "在{r}率先探索", "推动{r}先行先试", "重点支持{r}"]).format(
            r="、".join(picked))

    # -- the document -------------------------------------------------------------------
    def document(self, k: int, tasks: int = 32) -> tuple[str, str]:
        """``(file name, text)`` of document ``k``."""
        rng = random.Random(f"{self.seed}:{k}")
        year = rng.randint(2018, 2025)
        issuer, prefix = rng.choice(ISSUERS)
        doc_number = f"{prefix}〔{year}〕{k + 1}号"  # unique per k: document ids differ
        title = f"{year}年浙江省{rng.choice(TOPICS)}{rng.choice(KINDS)}"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        lines = [
            f"{issuer}关于印发《{title}》的通知", "",
            doc_number, "",
            "省级有关部门,各市、县(市、区)有关单位:", "",
            f"现将《{title}》印发给你们,请认真抓好落实。", "",
            self.issuer_names.get(issuer, issuer), "",
            f"{year}年{month}月{day}日", "",
            title, "",
            (f"{year}年全省工作总的要求是:坚持稳中求进工作总基调,完整准确全面贯彻新发展理念,"
             f"到{year}年底,{self.target(rng)},{self.target(rng)},{rng.choice(FILLERS)}。"), "",
        ]
        sections = rng.randint(4, 6)
        per_section = [tasks // sections + (1 if s < tasks % sections else 0) for s in range(sections)]
        topic = rng.choice(["城镇化", "城乡", "城市", "公共服务", "要素", "产业"])
        n = 0
        rule_at = rng.randrange(tasks) if rng.random() < 0.3 else None
        for s, count in enumerate(per_section):
            lines += [f"{_chinese(s + 1)}、{rng.choice(SECTIONS).format(t=topic)}", ""]
            for _ in range(count):
                n += 1
                lines += [self.task(rng, n, rule=(n - 1 == rule_at)), ""]
        lines += ["", f"信息来源: {issuer}"]
        return f"plan-{self.seed}-{k:06d}.txt", "\n".join(lines) + "\n"

    def task(self, rng: random.Random, n: int, rule: bool = False) -> str:
        head = f"({_chinese(n)}){rng.choice(VERBS)}{rng.choice(OBJECTS)}。"
        clauses = []
        for c in range(rng.randint(1, 3)):
            parts = rng.sample(FILLERS, rng.randint(1, 2))
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                parts.insert(rng.randint(0, len(parts)), self.target(rng))
            if rng.random() < 0.3:
                parts.append(self.region(rng))
            parts += rng.sample(FILLERS, rng.randint(0, 1))
            attribution = self.attribution(rng)
            if rule and c == 0:
                attribution = attribution[:-1] + ";以下各项任务均需各市、县(市、区)人民政府落实)"
            clauses.append(",".join(parts) + attribution + "。")
        return head + "".join(clauses)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        k = 0
        while True:
            yield self.document(k)
            k += 1


def _chinese(n: int) -> str:
    """n in Chinese numerals (十一, 二十三, 一百零五)."""
    return chinese_numeral(n)


def generate(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """The first ``n`` documents for ``seed``: ``[(file name, text), …]``."""
    corpus = Corpus(seed)
    return [corpus.document(k) for k in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of documents")
    parser.add_argument("--out", type=Path, help="folder to write plan-<seed>-<k>.txt files into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tasks", type=int, default=32, help="tasks per document (default 32, like the sample)")
    parser.add_argument("--stdout", action="store_true", help="print the documents, separated by form feeds")
    args = parser.parse_args(argv)
    if not args.out and not args.stdout:
        parser.error("give --out DIR or --stdout")
    corpus = Corpus(args.seed)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    for k in range(args.n):
        name, text = corpus.document(k, tasks=args.tasks)
        if args.out:
            (args.out / name).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text + "\f\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
