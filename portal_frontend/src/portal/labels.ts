// Russian names for the API's enums, as the portal shows them.
export const PAYOUT_STATUS: Record<string, { label: string; color: string }> = {
  CREATED: { label: "Сформировано", color: "default" },
  APPROVED: { label: "Утверждено", color: "blue" },
  EXPORTED: { label: "Передано в банк", color: "gold" },
  CONFIRMED: { label: "Подтверждено банком", color: "green" },
};

export const REPORT_KIND: Record<string, string> = {
  ACCOUNTS: "Лицевые счета",
  TURNOVER: "Оборотно-сальдовая ведомость",
  PAYMENTS: "Платежи",
  DEBTORS: "Должники",
};

export const REPORT_STATUS: Record<string, { label: string; color: string }> = {
  QUEUED: { label: "В очереди", color: "default" },
  RUNNING: { label: "Формируется", color: "processing" },
  DONE: { label: "Готов", color: "success" },
  FAILED: { label: "Ошибка", color: "error" },
};

export const APPEAL_STATUS: Record<string, { label: string; color: string }> = {
  OPEN: { label: "Открыто", color: "blue" },
  ANSWERED: { label: "Дан ответ", color: "green" },
  CLOSED: { label: "Закрыто", color: "default" },
};

export const CHANGE_KIND: Record<string, string> = {
  PERSONS: "Количество проживающих",
  PAYER_NAME: "ФИО плательщика",
  OTHER: "Другое",
};

export const CHANGE_STATUS: Record<string, { label: string; color: string }> = {
  NEW: { label: "Новая", color: "blue" },
  ACCEPTED: { label: "Принята", color: "green" },
  REJECTED: { label: "Отклонена", color: "red" },
};

export const IMPORT_STATUS: Record<string, { label: string; color: string }> = {
  VALIDATED: { label: "Проверен", color: "blue" },
  REJECTED: { label: "Отклонён", color: "red" },
  LOADED: { label: "Загружен", color: "green" },
};

export const IMPORT_MODE: Record<string, string> = {
  VALIDATE: "Только проверить",
  ALL_OR_NOTHING: "Всё или ничего",
  GOOD_ROWS: "Загрузить корректные строки",
};

export const RECEIPT_SOURCE: Record<string, string> = {
  AGENT: "Через агента",
  OWN: "Собственный приём",
};

export const READING_SOURCE: Record<string, string> = {
  CABINET: "Личный кабинет",
  PORTAL: "Портал",
  FILE: "Файл",
  API: "API",
  BANK_REGISTRY: "Банковский реестр",
};

export const VOLUME_METHOD: Record<string, string> = {
  METER: "по счётчику",
  AVERAGE: "по среднему",
  NORM: "по нормативу",
  FIXED: "фиксированно",
};

export const PERIOD_STATUS: Record<string, string> = {
  OPEN: "Открыт",
  RUNNING: "Расчёт",
  CALCULATED: "Рассчитан",
  POSTED: "Проведён",
  FAILED: "Ошибка",
};

export const ROLE: Record<string, string> = { ADMIN: "Администратор", STAFF: "Сотрудник" };

/** Columns of uploaded files (canonical names) in Russian. */
export const FILE_FIELD: Record<string, string> = {
  meter: "Счётчик",
  zone: "Зона",
  value: "Показание",
  date: "Дата",
  account: "Лицевой счёт",
  amount: "Сумма",
  service: "Услуга",
  document: "Номер документа",
  documentNumber: "Номер документа",
  paidOn: "Дата оплаты",
  comment: "Комментарий",
};

export function fileField(field: string | null | undefined): string {
  if (!field) return "Вся строка";
  return FILE_FIELD[field] ? `${FILE_FIELD[field]} (${field})` : field;
}
