"""Reply templates (答复模板) for the demo, so a handler's reply form offers a few to start from.
Idempotent: a template whose name (for the same department type) exists is left as it is. Saved
through appeals.services.reply_template_save as the first active superuser, so the audit trail
shows them. Not a data migration: a real deployment writes its own in the admin."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from appeals.models import ReplyTemplate
from appeals.services import reply_template_save
from core.errors import DomainError

# (name, department type or "" for every department, text). 【】 marks what the handler fills in.
TEMPLATES = [
    ("已办结（通用）", "",
     "您好！您反映的【问题】已收悉。经我单位核查，【核查情况】。现已【处理结果】。感谢您对我们工作的理解与支持，"
     "如仍有问题，可再次通过本平台或12345热线反映。"),
    ("阶段性答复（通用）", "",
     "您好！您反映的【问题】已收悉，我单位高度重视，已安排专人办理。目前【进展情况】，预计于【日期】前办结，"
     "届时将及时向您反馈。感谢您的耐心等待。"),
    ("政策咨询答复（通用）", "",
     "您好！关于您咨询的【事项】，根据【政策文件名称及条款】，【政策内容】。具体办理可携带【所需材料】到"
     "【办理地点】咨询办理，联系电话【电话】。感谢您的来电。"),
    ("诉求不属实或无法办理（通用）", "",
     "您好！您反映的【问题】已收悉。经现场核查，【核查情况】，【无法办理的原因及依据】。如您有新的情况或证据，"
     "可补充后再次反映。感谢您的监督。"),
    ("医疗服务投诉答复", "health",
     "您好！您反映的【医疗机构】【问题】已收悉。经我局调查核实，【调查情况】。我局已责成该院【整改措施】，"
     "并加强医务人员服务意识教育。感谢您对卫生健康工作的监督。"),
    ("供暖问题答复", "housing",
     "您好！您反映的【小区及楼号】供暖不热问题已收悉。经供热企业入户检测，室温为【温度】℃，原因是【原因】。"
     "目前已【处理措施】，复测室温达到【温度】℃。如仍有问题，请拨打供热服务热线【电话】。"),
    ("噪音扰民处理答复", "urban_management",
     "您好！您反映的【地点】噪音扰民问题已收悉。执法人员于【日期】到现场核查，【核查情况】，已依法"
     "【处理措施】，并将加强该区域夜间巡查。感谢您的支持。"),
    ("欠薪问题答复", "hrss",
     "您好！您反映的【单位名称】拖欠工资问题已收悉。经劳动保障监察机构调查，【调查情况】。目前已督促该单位"
     "【处理结果】。如仍未解决，可携带劳动合同、工资凭证等材料到【地点】申请劳动仲裁。"),
]


class Command(BaseCommand):
    help = "Add the demo's reply templates (idempotent)."

    def handle(self, *args, **options):
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("No active superuser to add the templates as; run seed_demo first.")
        added = 0
        for name, kind, body in TEMPLATES:
            if ReplyTemplate.objects.filter(name=name, department_kind=kind).exists():
                continue
            try:
                reply_template_save(actor=actor, template=ReplyTemplate(name=name, department_kind=kind, body=body))
            except DomainError as exc:
                raise CommandError(f"{name}: {exc.message}") from None
            added += 1
        if options["verbosity"]:
            self.stdout.write(f"{added} reply templates added, {len(TEMPLATES) - added} already there.")
