/**
 * The page's words in English and Spanish. Before login the browser's language decides; after it,
 * the account's locale (GET /me, changed with PATCH /me from the language switch). Notification
 * titles and bodies come from the API already in the account's language.
 */
export type Locale = 'en' | 'es';

const en = {
  loading: 'Loading…',
  cannotStart: 'The page cannot start.',
  sessionEnded: (reason: string) => `Your session has ended (${reason}). Please log in again.`,
  live: 'Live',
  reconnecting: 'Reconnecting…',
  connecting: 'Connecting…',
  logout: 'Log out',
  language: 'Language',
  roles: { admin: 'admin', sales: 'sales', customer: 'customer' } as Record<string, string>,
  // products
  products: 'Products',
  productsHintStaff: 'Stock updates live. Sell to the customer named below.',
  productsHintCustomer: 'Stock updates live. Follow a product to be notified when its stock changes.',
  filterProducts: 'Filter products',
  filterPlaceholder: 'name or SKU',
  showing: (visible: number, matching: number, filtered: boolean) => `Showing ${visible} of ${matching}${filtered ? ' matching' : ''} products.`,
  showFewer: 'Show fewer',
  showAll: (n: number) => `Show all ${n}`,
  sellTo: 'Sell to',
  customerName: 'Customer name',
  customerEmail: 'Customer email',
  follow: 'Follow',
  unfollow: 'Unfollow',
  sell: 'Sell',
  reserve: 'Reserve',
  qty: 'Qty',
  reserveLabel: (name: string) => `Reserve ${name}`,
  available: (onHand: number, reserved: number) => ` available (${onHand} on hand, ${reserved} reserved)`,
  wholeNumber: 'Enter a whole number of at least 1.',
  reserved: (q: number, name: string, sale: string) => `Reserved ${q} × ${name}: sale ${sale} (see Sales).`,
  loadProductsFailed: 'Could not load the products.',
  stock: { in_stock: 'In stock', low_stock: 'Low stock', out_of_stock: 'Out of stock' } as Record<string, string>,
  // notifications
  notifications: 'Notifications',
  allRead: 'all read',
  unread: (n: number) => `${n} unread`,
  feedLabel: 'Notifications, newest first',
  nothingYet: 'Nothing yet. Notifications about stock and sales appear here as they happen.',
  markRead: 'Mark read',
  markReadLabel: (title: string) => `Mark "${title}" read`,
  unreadHidden: ' (unread)',
  loadNotificationsFailed: 'Could not load your notifications.',
  // sales
  allSales: 'All sales',
  yourSales: 'Your sales',
  saleStatus: { RESERVED: 'Reserved', COMPLETED: 'Completed', CANCELLED: 'Cancelled' } as Record<string, string>,
  // preferences
  preferences: 'Notification preferences',
  preferencesHint: 'How you hear about what happens: in the app, by email, or in a digest.',
  category: 'What',
  inApp: 'In the app',
  email: 'Email',
  categories: {
    followed_stock: 'Products I follow',
    own_sales: 'My purchases',
    stock_changes: 'Stock changes',
    sales: 'Sales',
    low_stock: 'Low-stock alerts',
  } as Record<string, string>,
  cadences: { off: 'Off', immediate: 'Immediately', hourly: 'Hourly digest', daily: 'Daily digest' } as Record<string, string>,
  digestHour: 'Daily digest at',
  digestHourLabel: 'Hour (0–23)',
  timeZone: 'Time zone',
  timeZoneHint: 'An IANA time zone, e.g. Europe/Madrid or America/Mexico_City.',
  allEmail: 'Send me email',
  save: 'Save preferences',
  saved: 'Preferences saved.',
  mutedProducts: 'Products whose emails you stopped',
  resumeEmails: 'Email me again',
  followedProducts: 'What you follow',
  noFollows: 'You follow no products yet.',
  loadPreferencesFailed: 'Could not load your preferences.',
};

type Words = typeof en;

const es: Words = {
  loading: 'Cargando…',
  cannotStart: 'La página no puede arrancar.',
  sessionEnded: (reason) => `Tu sesión ha terminado (${reason}). Vuelve a iniciar sesión.`,
  live: 'En directo',
  reconnecting: 'Reconectando…',
  connecting: 'Conectando…',
  logout: 'Cerrar sesión',
  language: 'Idioma',
  roles: { admin: 'admin', sales: 'ventas', customer: 'cliente' },
  products: 'Productos',
  productsHintStaff: 'El stock se actualiza en directo. Vende al cliente indicado abajo.',
  productsHintCustomer: 'El stock se actualiza en directo. Sigue un producto para saber cuándo cambia su stock.',
  filterProducts: 'Filtrar productos',
  filterPlaceholder: 'nombre o SKU',
  showing: (visible, matching, filtered) => `Mostrando ${visible} de ${matching} productos${filtered ? ' que coinciden' : ''}.`,
  showFewer: 'Mostrar menos',
  showAll: (n) => `Mostrar los ${n}`,
  sellTo: 'Vender a',
  customerName: 'Nombre del cliente',
  customerEmail: 'Correo del cliente',
  follow: 'Seguir',
  unfollow: 'Dejar de seguir',
  sell: 'Vender',
  reserve: 'Reservar',
  qty: 'Cant.',
  reserveLabel: (name) => `Reservar ${name}`,
  available: (onHand, reserved) => ` disponibles (${onHand} en almacén, ${reserved} reservadas)`,
  wholeNumber: 'Escribe un número entero de al menos 1.',
  reserved: (q, name, sale) => `Reservadas ${q} × ${name}: venta ${sale} (ver Ventas).`,
  loadProductsFailed: 'No se han podido cargar los productos.',
  stock: { in_stock: 'En stock', low_stock: 'Stock bajo', out_of_stock: 'Agotado' },
  notifications: 'Notificaciones',
  allRead: 'todo leído',
  unread: (n) => `${n} sin leer`,
  feedLabel: 'Notificaciones, las más nuevas primero',
  nothingYet: 'Nada todavía. Aquí aparecen las notificaciones de stock y ventas según ocurren.',
  markRead: 'Marcar como leída',
  markReadLabel: (title) => `Marcar «${title}» como leída`,
  unreadHidden: ' (sin leer)',
  loadNotificationsFailed: 'No se han podido cargar tus notificaciones.',
  allSales: 'Todas las ventas',
  yourSales: 'Tus ventas',
  saleStatus: { RESERVED: 'Reservada', COMPLETED: 'Completada', CANCELLED: 'Cancelada' },
  preferences: 'Preferencias de notificación',
  preferencesHint: 'Cómo te enteras de lo que pasa: en la aplicación, por correo o en un resumen.',
  category: 'Qué',
  inApp: 'En la aplicación',
  email: 'Correo',
  categories: {
    followed_stock: 'Productos que sigo',
    own_sales: 'Mis compras',
    stock_changes: 'Cambios de stock',
    sales: 'Ventas',
    low_stock: 'Alertas de stock bajo',
  },
  cadences: { off: 'Desactivado', immediate: 'Al momento', hourly: 'Resumen cada hora', daily: 'Resumen diario' },
  digestHour: 'Resumen diario a las',
  digestHourLabel: 'Hora (0–23)',
  timeZone: 'Zona horaria',
  timeZoneHint: 'Una zona horaria IANA, p. ej. Europe/Madrid o America/Mexico_City.',
  allEmail: 'Enviarme correos',
  save: 'Guardar preferencias',
  saved: 'Preferencias guardadas.',
  mutedProducts: 'Productos cuyos correos has dejado',
  resumeEmails: 'Volver a enviarme correos',
  followedProducts: 'Lo que sigues',
  noFollows: 'Todavía no sigues ningún producto.',
  loadPreferencesFailed: 'No se han podido cargar tus preferencias.',
};

const WORDS: Record<Locale, Words> = { en, es };

function browserLocale(): Locale {
  return navigator.language.toLowerCase().startsWith('es') ? 'es' : 'en';
}

let current: Locale = browserLocale();

/** The words of the current language. */
export const t = (): Words => WORDS[current];
export const currentLocale = (): Locale => current;

export function setLocale(locale: Locale | undefined): void {
  current = locale ?? browserLocale();
  document.documentElement.lang = current;
}

export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };
