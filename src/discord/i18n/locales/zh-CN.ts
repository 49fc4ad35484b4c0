// 简体中文. Every key of en-US, with the same placeholders (test/unit/i18n.test.ts checks).
import type { Catalogue } from '../catalogue.ts';

export const messages: Catalogue = {
  'unit.ms': '{n} 毫秒',
  'unit.seconds': '{s} 秒',
  'unit.minutes': '{m} 分 {s} 秒',
  'unit.hours': '{h} 小时 {m} 分',

  'error.limits.concurrent': '你已有 {active, plural, other {# 个}}任务在运行或排队（上限为 {limit} 个）。请等其中一个完成，或用 /cancel 取消一个。',
  'error.limits.per_minute': '你在过去一分钟内开始了 {recent} 个任务（上限为 {limit} 个）。请一分钟后再试。',
  'error.workflow.unknown': '没有名为 “{workflow}” 的工作流。',
  'error.workflow.nsfw_only': '工作流 “{workflow}” 只能在年龄限制（NSFW）频道中运行。请到这类频道中使用。',
  'error.workflow.not_installed': '工作流 “{workflow}” 已不在此处安装。请让服务器管理员重新注册命令。',
  'error.job.not_in_ledger': '该任务已不在记录中，无法再次运行。',
  'error.job.input_gone': '该任务的输入图片已不再保留；请附上图片重新开始一个任务。',
  'error.job.image_gone': '该图片已不可用；请先重新运行该任务。',
  'error.job.mask_needs_image': '蒙版 “{mask}” 还需要它的图片 “{image}”。',
  'error.backend.unreachable_one': '现在无法连接 ComfyUI。请一分钟后再试；如果一直如此，请告诉服务器管理员。',
  'error.backend.unreachable_all': '现在所有 ComfyUI 服务器都无法连接。请一分钟后再试。',
  'error.backend.no_model': '没有任何 ComfyUI 服务器有 {models}。请从选项给出的列表中选择一个。',
  'error.attachment.not_image': '{option} “{name}” 不是图片（{type}）。请附上 PNG、JPEG 或 WEBP 文件。',
  'error.attachment.too_large': '{option} “{name}” 大小为 {size, bytes}，上限为 {limit, bytes}。请附上更小的文件。',
  'error.attachment.larger_than_limit': '{option} “{name}” 超过了 {limit, bytes}。请附上更小的文件。',
  'error.attachment.no_address': '{option} “{name}” 没有可用的地址。请重新附上。',
  'error.attachment.not_discord': '{option} “{name}” 不是存放在 Discord 上的，无法使用。请直接上传文件本身。',
  'error.attachment.download_failed': '无法从 Discord 下载 {option} “{name}”。请重试。',
  'error.attachment.download_status': '无法下载 {option} “{name}”（HTTP {status}）。请重新附上。',
  'error.access.guild': '此服务器未启用本机器人。',
  'error.access.channel': '本机器人只能在 {channels} 中使用。',
  'error.access.role': '你需要拥有本机器人限定的身份组之一。请询问管理员。',
  'error.access.banned': '你已被禁止使用本机器人。',
  'error.moderation.banned_word': '你的 {option} 中含有不允许使用的词 “{word}”。请修改后再试。',

  'option.spoiler.description': '将结果以剧透形式发布（点击前模糊显示）',
};
