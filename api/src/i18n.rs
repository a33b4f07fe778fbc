//! Human text of problem responses in Simplified Chinese (the default: the
//! callers are Henan's systems and people) and English. The machine `code`
//! is the contract; titles may be reworded freely.

use actix_web::http::header::ACCEPT_LANGUAGE;
use actix_web::HttpRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Picks the first supported language of `Accept-Language` in order of
    /// preference (q-values honoured); Chinese when nothing matches.
    pub fn from_header(value: Option<&str>) -> Lang {
        let Some(value) = value else { return Lang::Zh };
        let mut ranked: Vec<(u16, Lang)> = value
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim().to_ascii_lowercase();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
                let lang = if tag == "en" || tag.starts_with("en-") {
                    Lang::En
                } else if tag == "zh" || tag.starts_with("zh-") {
                    Lang::Zh
                } else {
                    return None;
                };
                (quality > 0).then_some((quality, lang))
            })
            .collect();
        ranked.sort_by_key(|(quality, _)| std::cmp::Reverse(*quality));
        ranked.first().map_or(Lang::Zh, |(_, lang)| *lang)
    }

    pub fn of(req: &HttpRequest) -> Lang {
        Lang::from_header(req.headers().get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
    }
}

/// Title of a problem `code`, or `None` for codes without a catalogue entry.
pub fn title(code: &str, lang: Lang) -> Option<&'static str> {
    let (zh, en) = match code {
        "malformed_json" => ("请求体不是合法的 JSON", "The request body is not valid JSON"),
        "invalid_body" => ("请求体字段不符合要求", "The request body does not match the schema"),
        "invalid_query" => ("查询参数不合法", "A query parameter is invalid"),
        "invalid_path" => ("路径参数不合法", "A path parameter is invalid"),
        "invalid_cursor" => ("分页游标无效", "The pagination cursor is invalid"),
        "validation_failed" => ("请求内容校验未通过", "The request failed validation"),
        "unauthorized" => ("需要身份认证", "Authentication is required"),
        "invalid_token" => ("访问令牌无效或已过期", "The access token is invalid or expired"),
        "invalid_client" => ("客户端身份或密钥错误", "Unknown client or wrong secret"),
        "forbidden" => ("无权执行此操作", "This caller may not perform this operation"),
        "outside_jurisdiction" => ("超出本监管部门管辖范围", "Outside the caller's jurisdiction"),
        "not_found" => ("资源不存在", "The resource does not exist"),
        "duplicate_credit_code" => ("统一社会信用代码已登记", "The credit code is already registered"),
        "precondition_required" => ("更新需要携带 If-Match 请求头", "Updates require an If-Match header"),
        "precondition_failed" => ("资源已被修改，请重新获取后再更新", "The resource changed; fetch it again"),
        "payload_too_large" => ("请求体超过大小限制", "The request body exceeds the size limit"),
        "unsupported_media_type" => ("请求体必须为 application/json", "The request body must be application/json"),
        "method_not_allowed" => ("不支持该请求方法", "This method is not allowed here"),
        "client_locked" => {
            ("密钥错误次数过多，客户端已暂时锁定", "Too many wrong secrets; the client is locked for a while")
        }
        "rate_limited" => ("请求过于频繁，请稍后重试", "Too many requests; retry later"),
        "service_unavailable" => ("服务暂不可用，请稍后重试", "The service is unavailable; retry later"),
        "internal_error" => ("服务器内部错误", "Internal server error"),
        // Field-level codes (validation `errors[].code`).
        "required" => ("必填字段缺失", "This field is required"),
        "invalid_credit_code" => {
            ("统一社会信用代码不合法（GB 32100-2015）", "Invalid unified social credit code (GB 32100-2015)")
        }
        "invalid_resident_id" => {
            ("公民身份号码不合法（GB 11643-1999）", "Invalid resident identity number (GB 11643-1999)")
        }
        "invalid_region_code" => {
            ("行政区划代码不合法（GB/T 2260，限河南省）", "Invalid division code (GB/T 2260, Henan only)")
        }
        "unknown_region" => ("行政区划代码不在区划表中", "The division code is not in the region table"),
        "invalid_phone" => ("联系电话格式不正确", "Invalid phone number"),
        "invalid_kind" => ("机构类型不在允许范围内", "Unknown organisation kind"),
        "invalid_sector" => ("行业领域不在允许范围内", "Unknown sector"),
        "invalid_status" => ("状态不在允许范围内", "Unknown status"),
        "invalid_service_type" => ("服务类型不在允许范围内", "Unknown service type"),
        "invalid_role" => ("角色不在允许范围内", "Unknown role"),
        "invalid_date" => ("日期不合法", "Invalid date"),
        "invalid_length" => ("长度不符合要求", "Length out of range"),
        "invalid_range" => ("数值超出允许范围", "Value out of range"),
        "invalid_text" => ("文本包含控制字符", "Text contains control characters"),
        "not_applicable" => ("该字段不适用于此类机构", "This field does not apply to this kind"),
        "unknown_field" => ("未知字段", "Unknown field"),
        "invalid_value" => ("字段值类型或格式错误", "Wrong type or format"),
        "unknown_organization" => ("机构不存在", "No such organisation"),
        "kind_mismatch" => ("机构类型与角色不匹配", "The organisation kind does not fit the role"),
        "immutable" => ("该字段不可修改", "This field cannot be changed"),
        "bad_request" => ("请求无效", "Bad request"),
        "idempotency_conflict" => {
            ("同一幂等键已用于不同的请求", "The idempotency key was used for a different request")
        }
        "idempotency_key_required" => {
            ("此操作需要 Idempotency-Key 请求头", "This operation requires an Idempotency-Key header")
        }
        "invalid_idempotency_key" => {
            ("Idempotency-Key 须为 1–200 个可见 ASCII 字符", "Idempotency-Key must be 1–200 visible ASCII characters")
        }
        "duplicate_policy_number" => ("保单号已存在", "The policy number is already used"),
        "external_reference_conflict" => {
            ("外部流水号已以不同内容登记", "An external reference was stored earlier with other content")
        }
        "insufficient_prevention_fund" => ("事故预防费余额不足", "Insufficient prevention fund balance"),
        "too_many_items" => ("批次条目数超出限制", "Too many items in the batch"),
        "unknown_policy" => ("保单不存在", "No such policy of this insurer"),
        "invalid_instant" => ("时间须为带时区的 RFC 3339 格式", "Expected an RFC 3339 instant with offset"),
        "out_of_range" => ("日期或时间超出允许范围", "Date or time out of range"),
        "invalid_amount" => ("金额不合法", "Invalid amount"),
        "duplicate_in_batch" => ("同一批次内重复", "Repeated within the batch"),
        "negative_net_premium" => {
            ("退费将使保单净保费为负", "This refund would make the policy's net premium negative")
        }
        "cover_below_minimum" => ("每人保障金额低于现行最低标准", "Cover per person is below the minimum in force"),
        "invalid_period" => ("终止日期早于起始日期", "The end date is before the start date"),
        "premium_mismatch" => {
            ("实收保费与基准保费及浮动比例不符", "Charged premium does not match base premium and adjustment")
        }
        "not_an_enterprise" => ("该机构不是生产经营单位", "The organisation is not an enterprise"),
        "ambiguous" => ("只能提供其中一个字段", "Give only one of these fields"),
        "not_high_risk" => ("该行业不属于强制投保的高危行业", "Not one of the high-risk sectors"),
        "invalid_accident_grade" => ("事故等级不在允许范围内", "Unknown accident grade"),
        "invalid_expenditure_category" => ("预防费用途不在允许范围内", "Unknown expenditure category"),
        "invalid_adjustment" => ("费率浮动比例超出范围", "Rate adjustment out of range"),
        "amount_overflow" => ("金额超出可表示范围", "Amount out of range"),
        "certificate_exists" => {
            ("该证号在此作业类别已有有效证书", "A current certificate with this number and category exists")
        }
        "already_revoked" => ("已被吊销", "Already revoked"),
        "certificate_not_reviewable" => {
            ("证书当前状态不能复审", "The certificate cannot be reviewed in its current status")
        }
        "period_not_published" => ("该期考试合格率尚未公布", "The pass rates of this period are not published"),
        "already_published" => ("已公布，不能再次公布", "Already published"),
        "duplicate_registration_number" => ("注册证号已存在", "The registration number is already recorded"),
        "name_mismatch" => ("该身份证号已登记为其他姓名", "This identity number is recorded under another name"),
        "credit_event_exists" => ("该记录已产生信用事件", "This record already produced its credit event"),
        "invalid_transition" => ("当前状态不能变更为所请求的状态", "The status cannot change that way"),
        "already_complied" => ("整改已确认完成", "Compliance is already recorded"),
        "removal_pending" => ("已有待审核的提前移出申请", "An early-removal application is already pending"),
        "removal_already_decided" => ("该申请已作出决定", "The application is already decided"),
        "removal_not_approved" => ("该申请未获批准，不能撤销", "Only an approved application can be revoked"),
        "result_already_recorded" => {
            ("该抽查对象的检查结果已登记", "The result of this spot-check target is already recorded")
        }
        "not_a_service_provider" => ("该机构不是服务机构", "The organisation is not a service provider"),
        "not_a_provider" => ("该机构不是服务机构", "The organisation is not a service provider"),
        "provider_not_eligible" => ("该服务机构当前不符合承接条件", "The provider is not eligible for this work"),
        "demand_not_open" => ("该服务需求已不再开放", "The demand is no longer open"),
        "bid_exists" => ("该机构已对此需求报名", "The provider has already bid on this demand"),
        "bid_not_of_demand" => ("该报名不属于此需求", "The bid belongs to another demand"),
        "charge_outside_contract" => ("付款总额超出合同约定费用", "Payments would exceed the contract fee"),
        "not_accepted" => ("服务尚未验收，不能评价", "The service is not accepted yet"),
        "already_evaluated" => ("已评价，每方只能评价一次", "Already evaluated; each party evaluates once"),
        "not_flagged" => ("该合同在该日未被标记为只收费不服务", "The engagement was not flagged on that date"),
        "already_confirmed" => ("已确认", "Already confirmed"),
        "year_not_ended" => ("该年度尚未结束", "The year has not ended"),
        "report_published" => ("年度报告已公布，不能修改", "The annual report is published and cannot change"),
        "concurrent_update" => ("数据已被同时修改，请重试", "A concurrent change came first; retry"),
        "self_evaluation" => ("服务机构不能评价自己的服务", "A provider cannot evaluate its own service"),
        "not_evaluating_party" => ("调用方不是该评价方", "The caller is not this evaluating party"),
        "budget_exhausted" => ("补助项目预算不足", "The programme's remaining budget does not cover this amount"),
        "enterprise_cap_reached" => ("已达到单个企业补助上限", "The enterprise has reached the programme's cap"),
        "outside_programme_region" => ("企业不在该补助项目区域内", "The enterprise is outside the programme's region"),
        "employee_count_unknown" => ("企业从业人数未登记", "The enterprise's employee count is not recorded"),
        "not_small_enterprise" => {
            ("企业从业人数超过补助项目上限", "The enterprise has more employees than the programme allows")
        }
        "outside_programme_period" => {
            ("合同签订日期不在补助项目期限内", "The contract was signed outside the programme period")
        }
        "already_applied" => ("该合同已申请补助", "This engagement already has an application"),
        "already_decided" => ("该申请已作出决定", "The application is already decided"),
        "nothing_to_subsidise" => ("按比例计算的补助金额为零", "The share of the fee comes to nothing"),
        "invalid_event_type" => ("事件类型不在允许范围内", "Unknown event type"),
        "invalid_year" => ("年份不在允许范围内", "Year out of range"),
        "unsupported_filter" => ("该导出资源不支持此筛选条件", "This export does not take this filter"),
        "csv_only" => ("该选项仅适用于 CSV 格式", "This option applies to CSV only"),
        "invalid_encoding" => ("内容须为 UTF-8 编码", "The content must be UTF-8"),
        "missing_column" => ("CSV 缺少必需的列", "A required CSV column is missing"),
        "unknown_column" => ("CSV 含有未知的列", "The CSV has an unknown column"),
        "duplicate_column" => ("CSV 列名重复", "A CSV column appears twice"),
        "wrong_field_count" => ("该行的字段数与表头不一致", "The row's field count differs from the header"),
        "invalid_csv" => ("CSV 格式无法解析", "The CSV cannot be parsed"),
        "webhook_url_not_allowed" => ("Webhook 地址不被允许", "The webhook URL is not allowed"),
        "not_dead_letter" => ("该投递不是死信，不能重新投递", "The delivery is not a dead letter"),
        "duplicate" => ("重复的值", "Duplicate value"),
        _ => return None,
    };
    Some(match lang {
        Lang::Zh => zh,
        Lang::En => en,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(Lang::from_header(None), Lang::Zh);
        assert_eq!(Lang::from_header(Some("fr-FR")), Lang::Zh);
        assert_eq!(Lang::from_header(Some("")), Lang::Zh);
    }

    #[test]
    fn preference_order_and_quality_are_honoured() {
        assert_eq!(Lang::from_header(Some("en")), Lang::En);
        assert_eq!(Lang::from_header(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_header(Some("zh-CN;q=0.5, en;q=0.8")), Lang::En);
        assert_eq!(Lang::from_header(Some("en;q=0.2, zh-CN")), Lang::Zh);
        assert_eq!(Lang::from_header(Some("en;q=0")), Lang::Zh);
    }

    #[test]
    fn every_problem_code_has_both_titles() {
        for code in ["validation_failed", "invalid_token", "not_found", "internal_error"] {
            assert!(title(code, Lang::Zh).is_some() && title(code, Lang::En).is_some());
        }
        assert_eq!(title("no_such_code", Lang::En), None);
    }
}
